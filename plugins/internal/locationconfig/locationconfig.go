// Package locationconfig holds what the config parsers of every location kind share: unknown keys are
// an error that lists the valid ones, booleans are strict, and values quoted in errors are bounded.
package locationconfig

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxQuotedBytes bounds a value quoted in an error, so a pasted blob (or a misplaced secret) cannot
	// flood logs.
	maxQuotedBytes = 64
	// maxShownUnknownKeys bounds the unknown keys one error names.
	maxShownUnknownKeys = 5
)

// CheckKeys refuses keys outside valid, naming them and every valid key.
func CheckKeys(m map[string]string, valid []string) error {
	known := make(map[string]bool, len(valid))
	for _, k := range valid {
		known[k] = true
	}
	var unknown []string
	for k := range m {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	shown := make([]string, 0, maxShownUnknownKeys+1)
	for i, k := range unknown {
		if i == maxShownUnknownKeys {
			shown = append(shown, fmt.Sprintf("and %d more", len(unknown)-i))
			break
		}
		shown = append(shown, Quote(k))
	}
	sorted := append([]string(nil), valid...)
	sort.Strings(sorted)
	return fmt.Errorf("unknown config key %s for provider alibabacloud; valid keys are: %s",
		strings.Join(shown, ", "), strings.Join(sorted, ", "))
}

// Bool reads a true/false key; unset or empty is def.
func Bool(m map[string]string, key string, def bool) (bool, error) {
	v := m[key]
	if v == "" {
		return def, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("config key %q: %s is not a boolean; valid values are true, false", key, Quote(v))
	}
	return b, nil
}

// Quote quotes v for an error message, cut short after maxQuotedBytes.
func Quote(v string) string {
	if len(v) <= maxQuotedBytes {
		return strconv.Quote(v)
	}
	cut := maxQuotedBytes
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return strconv.Quote(v[:cut]) + fmt.Sprintf("... (%d bytes)", len(v))
}
