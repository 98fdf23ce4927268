// Package rampolicy reads the example RAM policies and finds the SDK calls the cloud clients make, for
// the tests that hold the one to the other.
package rampolicy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// RPCActionsCalled lists the RAM actions ("<service>:<Action>") that the non-test Go files of dir
// call: every RPC request of the cloud clients starts as sdk.<Action>WithOptions(...), and each RPC
// action is authorised by the RAM action of the same name.
func RPCActionsCalled(dir, service string) ([]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "sdk" && strings.HasSuffix(sel.Sel.Name, "WithOptions") {
						seen[service+":"+strings.TrimSuffix(sel.Sel.Name, "WithOptions")] = true
					}
				}
			}
			return true
		})
	}
	if len(seen) == 0 {
		return nil, fmt.Errorf("no SDK calls in %s: do requests still start as sdk.<Action>WithOptions?", dir)
	}
	return slices.Sorted(maps.Keys(seen)), nil
}

// GrantedAndCalled reads a policy of one Allow statement and returns the actions it grants and the
// RAM actions the non-test Go files of dir call (see RPCActionsCalled), both sorted: a least-privilege
// policy has them equal.
func GrantedAndCalled(policyFile, dir, service string) (granted, called []string, err error) {
	statements, err := Read(policyFile)
	if err != nil {
		return nil, nil, err
	}
	if len(statements) != 1 || statements[0].Effect != "Allow" {
		return nil, nil, fmt.Errorf("%s: want one Allow statement, have %d", policyFile, len(statements))
	}
	granted = slices.Sorted(slices.Values(statements[0].Action))
	called, err = RPCActionsCalled(dir, service)
	return granted, called, err
}
