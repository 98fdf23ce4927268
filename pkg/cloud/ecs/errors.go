package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strings"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// deniedPrefixes start the codes of a caller ECS does not accept, whatever their HTTP status
// (InvalidAccessKeyId.NotFound is a 404, yet no disk or snapshot is missing).
var deniedPrefixes = []string{
	"Forbidden", "InvalidAccessKeyId", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidSecurityToken",
	"NoPermission", "UnauthorizedOperation", "InvalidAccessKeySecret", "MissingSecurityToken",
}

// classify turns an SDK error into a *cloud.Error once, here, so nothing above this package looks at
// ECS codes. Credentials never appear in the SDK error fields we copy.
func classify(op, resource string, err error) error {
	if err == nil {
		return nil
	}
	var ce *cloud.Error
	if errors.As(err, &ce) {
		return err
	}
	ce = &cloud.Error{Service: "ecs", Operation: op, Resource: resource, Err: err}
	var se *tea.SDKError
	switch {
	case errors.As(err, &se) && tea.StringValue(se.Code) != "" && !isTransport(se):
		ce.Code, ce.Status = tea.StringValue(se.Code), tea.IntValue(se.StatusCode)
		ce.Message, ce.RequestID = messageOf(se)
		ce.Kind = kindOf(ce.Status, ce.Code)
	case errors.Is(err, context.DeadlineExceeded):
		ce.Kind, ce.Message = cloud.ErrUnavailable, "timed out"
	case errors.Is(err, context.Canceled):
		ce.Kind, ce.Message = cloud.ErrUnavailable, "cancelled"
	default:
		ce.Kind, ce.Message = cloud.ErrUnavailable, transportMessage(err)
	}
	return ce
}

func kindOf(status int, code string) error {
	for _, p := range deniedPrefixes {
		if strings.HasPrefix(code, p) {
			return cloud.ErrDenied
		}
	}
	switch {
	case strings.HasPrefix(code, "Throttling") || status == 429:
		return cloud.ErrThrottled
	case strings.HasSuffix(code, ".NotFound") || status == 404:
		return cloud.ErrNotFound
	case status >= 500:
		return cloud.ErrUnavailable
	default:
		return cloud.ErrInvalid
	}
}

// messageOf reads the service's own message and request ID from the response body the SDK keeps in
// Data; its Message field is a decorated copy ("code: 404, ... request id: ...").
func messageOf(se *tea.SDKError) (message, requestID string) {
	var body struct{ Message, RequestId string }
	if json.Unmarshal([]byte(tea.StringValue(se.Data)), &body) == nil && (body.Message != "" || body.RequestId != "") {
		return body.Message, body.RequestId
	}
	msg := tea.StringValue(se.Message)
	if i := strings.LastIndex(msg, " request id: "); i >= 0 {
		requestID = strings.TrimSpace(msg[i+len(" request id: "):])
		msg = msg[:i]
	}
	if i := strings.Index(msg, ", "); strings.HasPrefix(msg, "code: ") && i >= 0 {
		msg = msg[i+2:]
	}
	return strings.TrimSpace(msg), requestID
}

// isTransport tells the SDK's wrapping of a network failure from a service answer: the service always
// sends a status code.
func isTransport(se *tea.SDKError) bool { return tea.IntValue(se.StatusCode) == 0 }

// transportMessage describes a network failure without URLs, which would carry signatures.
func transportMessage(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	switch {
	case errors.As(err, &dnsErr):
		return "cannot resolve host " + dnsErr.Name
	case errors.As(err, &opErr) && opErr.Addr != nil:
		return "cannot reach " + opErr.Addr.String() + ": " + opErr.Err.Error()
	}
	msg := err.Error()
	if i := strings.Index(msg, "?"); i >= 0 {
		msg = msg[:i] // an SDK transport error may quote the signed request URL
	}
	return msg
}

func notFound(op, resource, requestID, message string) error {
	return &cloud.Error{Service: "ecs", Operation: op, Resource: resource, Kind: cloud.ErrNotFound,
		Message: message, RequestID: requestID}
}
