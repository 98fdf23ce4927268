package hbr

import (
	"fmt"
	"io"
)

// Token is a container cluster's registration token: whoever holds it can register agents that read
// and write the cluster's backups. It prints as [redacted] under every fmt verb and marshals to
// nothing; Reveal is the one way to its value, for the Secret the agents read.
type Token struct{ value string }

// NewToken wraps a token value, for callers that read one back from its Secret.
func NewToken(value string) Token { return Token{value: value} }

// Reveal returns the token's value.
func (t Token) Reveal() string { return t.value }

// IsZero reports whether there is no token.
func (t Token) IsZero() bool { return t.value == "" }

func (t Token) String() string {
	if t.value == "" {
		return ""
	}
	return "[redacted]"
}

// Format prints String under every verb and flag, %d and %#v included.
func (t Token) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, t.String()) }

// MarshalText keeps encoders (JSON, YAML, loggers) from printing the value.
func (t Token) MarshalText() ([]byte, error) { return []byte(t.String()), nil }
