// Package credentials is the one place where the plugin decides which Alibaba
// Cloud credentials a cloud client uses: a Velero credentials file (dotenv),
// environment variables, RRSA (OIDC) or the ECS RAM role of the node.
//
// The package never writes to the process environment: two backup storage
// locations with two credentials files get two independent Providers.
//
// Nothing in this package prints or returns a secret in text form. Credentials,
// File and Provider redact themselves under every fmt verb, and no error ever
// contains a value read from a credentials file or the environment.
package credentials

import (
	"fmt"
	"io"
	"time"
)

// Credentials is one set of keys to sign requests with.
//
// Printing it with fmt (any verb, including %#v) shows at most the first four
// characters of the key ID and never the secret or the token. Go cannot run
// these methods for a value stored in an unexported struct field, so do not
// keep Credentials in unexported fields of types that get printed.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string // empty for long-lived access keys
	// Expiration is when a caller that keeps these credentials must ask the
	// Provider again. Zero means static keys that do not expire. For session
	// credentials it is a conservative bound, three minutes after the
	// Provider was asked, not the STS expiry itself: credentials-go keeps
	// that to itself, but it renews its session whenever three minutes or
	// less are left, so what it hands out is valid for at least that long.
	// Callers that ask the Provider for every request can ignore it.
	Expiration time.Time
}

// Expired reports whether c must not be used any longer at time now.
func (c Credentials) Expired(now time.Time) bool {
	return !c.Expiration.IsZero() && !now.Before(c.Expiration)
}

// String shows which key is in use without disclosing it.
func (c Credentials) String() string {
	expiration := "never"
	if !c.Expiration.IsZero() {
		expiration = c.Expiration.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("Credentials{AccessKeyID: %s, AccessKeySecret: %s, SecurityToken: %s, Expiration: %s}",
		maskKeyID(c.AccessKeyID), redacted(c.AccessKeySecret), redacted(c.SecurityToken), expiration)
}

// GoString makes %#v as safe as %v.
func (c Credentials) GoString() string { return "credentials." + c.String() }

// Format applies the redaction to every verb, so %x, %q and %+v cannot
// bypass String.
func (c Credentials) Format(s fmt.State, verb rune) {
	formatRedacted(s, verb, c.String(), c.GoString())
}

// maskKeyID keeps the first four characters of a key ID, enough to tell two
// keys apart in a log; short IDs are hidden completely.
func maskKeyID(id string) string {
	const shown = 4
	switch {
	case id == "":
		return `""`
	case len(id) < 2*shown:
		return "****"
	default:
		return id[:shown] + "****"
	}
}

// redacted says whether a secret is present, never what it is.
func redacted(secret string) string {
	if secret == "" {
		return `""`
	}
	return "<redacted>"
}

// formatRedacted writes text for any verb: %#v gets goText, %q a quoted
// text, everything else (including %x and %d) the plain text.
func formatRedacted(s fmt.State, verb rune, text, goText string) {
	switch {
	case verb == 'v' && s.Flag('#'):
		_, _ = io.WriteString(s, goText)
	case verb == 'q':
		_, _ = fmt.Fprintf(s, "%q", text)
	default:
		_, _ = io.WriteString(s, text)
	}
}
