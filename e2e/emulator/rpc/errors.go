// Package rpc is what the emulated Alibaba Cloud RPC-style APIs (ECS, HBR) share: request parameters
// from the query and a form body, the V3 (ACS3-HMAC-SHA256) and legacy (HMAC-SHA1) signatures with STS
// tokens, page selection, request IDs, the start of a request (version, action), injected faults and the
// JSON answer and error formats.
package rpc

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// Error is an RPC error answer: an HTTP status and the code and message of the JSON body the SDK turns
// into *tea.SDKError.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// NewError builds an error answer.
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// ErrMissing is the answer to a request without a mandatory parameter.
func ErrMissing(name string) *Error {
	return NewError(http.StatusBadRequest, "MissingParameter",
		fmt.Sprintf("The input parameter %s that is mandatory for processing this request is not supplied.", name))
}

// ErrInvalidParam is the answer to a parameter with a value the API refuses.
func ErrInvalidParam(name, detail string) *Error {
	msg := fmt.Sprintf("The specified parameter %s is not valid.", name)
	if detail != "" {
		msg += " " + detail
	}
	return NewError(http.StatusBadRequest, "InvalidParameter", msg)
}

// ErrInternal is the answer when the emulator itself fails.
func ErrInternal(err error) *Error {
	return NewError(http.StatusInternalServerError, "InternalError",
		"The request processing has failed due to some unknown error: "+err.Error())
}

// CodeForStatus gives the code of a fault that names only a status, as the gateway words it for any
// RPC API.
func CodeForStatus(status int) string {
	switch {
	case status == http.StatusForbidden:
		return "Forbidden"
	case status == http.StatusNotFound:
		return "InvalidResourceId.NotFound"
	case status == http.StatusTooManyRequests:
		return "Throttling"
	case status >= 502 && status <= 504:
		return "ServiceUnavailable"
	case status >= 500:
		return "InternalError"
	default:
		return "InvalidParameter"
	}
}

// ErrorBody is the JSON error format of Alibaba Cloud RPC APIs.
type ErrorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

// MaxBody bounds the form body read from a request.
const MaxBody = 1 << 20

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any, requestID string) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(ErrorBody{RequestID: requestID, Code: "InternalError", Message: "encode response: " + err.Error()})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// WriteError answers with e in the RPC error format; product names the API in the troubleshooting link.
func WriteError(w http.ResponseWriter, r *http.Request, e *Error, requestID, product string) {
	WriteJSON(w, e.Status, ErrorBody{RequestID: requestID, HostID: r.Host, Code: e.Code, Message: e.Message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + e.Code + "&product=" + product + "&requestId=" + requestID}, requestID)
}

// NewRequestID returns an ID shaped like Alibaba Cloud's, e.g. "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E".
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%X-%X-%X-%X-%X", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Version is the API version from the x-acs-version header (every SDK request) or the Version parameter
// (legacy signature).
func Version(r *http.Request, p Params) string {
	if v := r.Header.Get("x-acs-version"); v != "" {
		return v
	}
	return p.Str("Version")
}

// Claims reports whether r is an RPC request of API version: an x-acs-action header (V3 signature) or an
// Action parameter (legacy signature). The parameters may come in a form body, which is read to find out
// and put back for whoever serves the request.
func Claims(r *http.Request, version string) bool {
	if r.Header.Get("x-acs-action") != "" && r.Header.Get("x-acs-version") == version {
		return true
	}
	q := r.URL.Query()
	if q.Get("Action") != "" && q.Get("Version") == version {
		return true
	}
	// Only an RPC-shaped request (POST / with a form) has its body read: an OSS upload is never buffered.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" ||
		r.Method != http.MethodPost || r.URL.Path != "/" || r.Body == nil {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, MaxBody))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	if err != nil {
		return false
	}
	form, err := url.ParseQuery(string(head))
	if err != nil {
		return false
	}
	action, v := form.Get("Action"), form.Get("Version")
	if action == "" {
		action = q.Get("Action")
	}
	if v == "" {
		v = q.Get("Version")
	}
	return action != "" && v == version
}

// readCloser reads the replayed body and closes the original one.
type readCloser struct {
	io.Reader
	io.Closer
}

const idAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// NewID returns prefix plus n random lowercase alphanumerics, the shape of Alibaba Cloud resource IDs
// ("d-bp1c0doj0taqyzzl1234", "v-000bmp0xqwy8ca2oq1k4").
func NewID(prefix string, n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf) // crypto/rand does not fail on supported platforms
	for i, b := range buf {
		buf[i] = idAlphabet[int(b)%len(idAlphabet)]
	}
	return prefix + string(buf)
}
