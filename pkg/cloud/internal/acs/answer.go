package acs

import (
	"encoding/json"
	"errors"
	"net"
	"reflect"
	"strings"

	"github.com/alibabacloud-go/tea/tea"
)

// RequestID reads the request ID of an SDK answer (a *<Action>Response, possibly nil, whose Body
// carries RequestId, as every RPC answer does), "" when there is none. The SDK's answer types share no
// interface, and errors about an answer must keep its request ID.
func RequestID(answer any) string {
	v := reflect.ValueOf(answer)
	for _, field := range []string{"Body", "RequestId"} {
		if v.Kind() != reflect.Pointer || v.IsNil() {
			return ""
		}
		if v = v.Elem(); v.Kind() != reflect.Struct {
			return ""
		}
		v = v.FieldByName(field)
	}
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.String {
		return ""
	}
	return v.Elem().String()
}

// ServiceError is the service's own answer inside an SDK error: nil when the error is the SDK's wrapping
// of a network failure (the service always sends a status code).
func ServiceError(err error) *tea.SDKError {
	var se *tea.SDKError
	if errors.As(err, &se) && tea.StringValue(se.Code) != "" && tea.IntValue(se.StatusCode) != 0 {
		return se
	}
	return nil
}

// MessageOf reads the service's own message and request ID from the response body the SDK keeps in
// Data; its Message field is a decorated copy ("code: 404, ... request id: ...").
func MessageOf(se *tea.SDKError) (message, requestID string) {
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

// TransportMessage describes a network failure without URLs, which would carry signatures.
func TransportMessage(err error) string {
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
