// Package rampolicy reads the example RAM policies, for the tests that hold them to the SDK calls the
// cloud clients make.
package rampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// Statement is one statement of a RAM policy document.
type Statement struct {
	Effect   string
	Action   []string
	Resource []string
}

// Read parses a RAM policy document strictly: version "1" and known fields only.
func Read(path string) ([]Statement, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var policy struct {
		Version   string
		Statement []Statement
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&policy); err != nil {
		return nil, fmt.Errorf("%s is not a RAM policy document: %w", path, err)
	}
	if policy.Version != "1" {
		return nil, fmt.Errorf("%s: policy version %q, want \"1\"", path, policy.Version)
	}
	return policy.Statement, nil
}
