// Package cloud holds what every Alibaba Cloud client in pkg/cloud shares: one classification of cloud
// errors, so callers decide with errors.Is and never look at SDK types or codes.
package cloud

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of failure a caller can act on. Every *Error is exactly one of them.
var (
	// ErrNotFound: the bucket, object, disk or snapshot does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDenied: credentials are wrong, expired or lack a permission.
	ErrDenied = errors.New("access denied")
	// ErrThrottled: the service asked us to slow down; retrying later can succeed.
	ErrThrottled = errors.New("throttled")
	// ErrUnavailable: the service could not be reached or failed on its side (network, 5xx).
	ErrUnavailable = errors.New("service unavailable")
	// ErrInvalid: the request itself was refused as malformed or conflicting.
	ErrInvalid = errors.New("invalid request")
	// ErrIntegrity: data arrived but does not match its checksum.
	ErrIntegrity = errors.New("data integrity check failed")
	// ErrAlreadyExists: a create that must not overwrite found the resource there already.
	ErrAlreadyExists = errors.New("already exists")
)

// Error is a classified cloud error. It keeps the service's code and request ID, which support needs,
// and never any credential material.
type Error struct {
	Service   string // "oss", "ecs", "hbr"
	Operation string // the API operation, e.g. "PutObject"
	Resource  string // bucket/key, disk ID, ...
	Kind      error  // one of the Err* sentinels above
	Code      string // the service's error code, e.g. "NoSuchBucket"
	Message   string
	RequestID string
	Status    int   // HTTP status, 0 when no response arrived
	Err       error // the underlying error, for errors.As
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Service, e.Operation)
	if e.Resource != "" {
		fmt.Fprintf(&b, " %s", e.Resource)
	}
	fmt.Fprintf(&b, ": %v", e.Kind)
	var details []string
	if e.Code != "" {
		details = append(details, e.Code)
	}
	if e.Message != "" {
		details = append(details, strings.TrimRight(e.Message, "."))
	}
	if e.Code == "" && e.Message == "" && e.Err != nil {
		details = append(details, e.Err.Error())
	}
	if e.RequestID != "" {
		details = append(details, "request id "+e.RequestID)
	}
	if len(details) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(details, "; "))
	}
	return b.String()
}

// Is makes errors.Is(err, cloud.ErrNotFound) work on a classified error.
func (e *Error) Is(target error) bool { return target == e.Kind }

func (e *Error) Unwrap() error { return e.Err }

// RequestID returns the request ID carried by err, if any.
func RequestID(err error) string {
	var ce *Error
	if errors.As(err, &ce) {
		return ce.RequestID
	}
	return ""
}
