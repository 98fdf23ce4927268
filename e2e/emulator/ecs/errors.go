package ecs

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Errors returned by the Go API of Service (admin fixtures). HTTP clients see ECS error codes instead.
var (
	ErrInvalid  = errors.New("invalid request")
	ErrConflict = errors.New("already exists")
	ErrNotFound = errors.New("not found")
	ErrInUse    = errors.New("disk is in use by instance")
	ErrNotReady = errors.New("disk is not ready")
)

// apiError is an ECS error answer: an HTTP status and the JSON body the SDK turns into *tea.SDKError.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func newError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

func errMissing(name string) *apiError {
	return newError(http.StatusBadRequest, "MissingParameter",
		fmt.Sprintf("The input parameter %s that is mandatory for processing this request is not supplied.", name))
}

func errInvalidParam(name, detail string) *apiError {
	msg := fmt.Sprintf("The specified parameter %s is not valid.", name)
	if detail != "" {
		msg += " " + detail
	}
	return newError(http.StatusBadRequest, "InvalidParameter", msg)
}

func errRegionNotFound(region string) *apiError {
	return newError(http.StatusNotFound, "InvalidRegionId.NotFound",
		fmt.Sprintf("The specified RegionId %s does not exist.", region))
}

func errDiskNotFound(id string) *apiError {
	return newError(http.StatusNotFound, "InvalidDiskId.NotFound", fmt.Sprintf("The specified disk %s does not exist.", id))
}

func errSnapshotNotFound(id string) *apiError {
	return newError(http.StatusNotFound, "InvalidSnapshotId.NotFound",
		fmt.Sprintf("The specified SnapshotId %s does not exist.", id))
}

func errIncorrectDiskStatus(id, status string) *apiError {
	return newError(http.StatusForbidden, "IncorrectDiskStatus",
		fmt.Sprintf("The current status %s of disk %s does not support this operation.", status, id))
}

func errIncorrectSnapshotStatus(id, detail string) *apiError {
	return newError(http.StatusForbidden, "IncorrectSnapshotStatus",
		fmt.Sprintf("The current status of snapshot %s does not support this operation: %s.", id, detail))
}

func errInternal(err error) *apiError {
	return newError(http.StatusInternalServerError, "InternalError",
		"The request processing has failed due to some unknown error: "+err.Error())
}

// statusForCode gives the HTTP status ECS uses for a code, for faults that name only a code. ECS answers
// throttling with 400, not 429 or 503.
func statusForCode(code string) int {
	switch {
	case strings.HasPrefix(code, "Throttling"), code == "SignatureDoesNotMatch", code == "IncompleteSignature",
		strings.HasPrefix(code, "Missing"):
		return http.StatusBadRequest
	case strings.HasPrefix(code, "ServiceUnavailable"):
		return http.StatusServiceUnavailable
	case code == "InternalError", code == "UnknownError":
		return http.StatusInternalServerError
	case strings.HasSuffix(code, ".NotFound"):
		return http.StatusNotFound
	case strings.HasPrefix(code, "Incorrect"), strings.HasPrefix(code, "Forbidden"), strings.HasPrefix(code, "QuotaExceed"),
		strings.HasPrefix(code, "OperationDenied"), strings.HasPrefix(code, "InvalidOperation"), code == "Operation.Conflict",
		code == "SnapshotCreatedDisk":
		return http.StatusForbidden
	case strings.HasPrefix(code, "Invalid"):
		return http.StatusBadRequest
	default:
		return http.StatusInternalServerError
	}
}

// codeForStatus gives the code of a fault that names only a status; a 404 names what the request
// addressed, judged by the ID prefix.
func codeForStatus(status int, resourceID string) string {
	switch {
	case status == http.StatusNotFound && strings.HasPrefix(resourceID, "d-"):
		return "InvalidDiskId.NotFound"
	case status == http.StatusNotFound && strings.HasPrefix(resourceID, "ssg-"):
		return "InvalidSnapshotGroupId.NotFound"
	case status == http.StatusNotFound && strings.HasPrefix(resourceID, "s-"):
		return "InvalidSnapshotId.NotFound"
	case status == http.StatusNotFound:
		return "InvalidResourceId.NotFound"
	case status == http.StatusForbidden:
		return "Forbidden"
	case status == http.StatusConflict:
		return "Operation.Conflict"
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

// errorBody is the JSON error format of Alibaba Cloud RPC APIs.
type errorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

// maxBody bounds the form body read from a request; ECS requests carry their parameters in the query.
const maxBody = 1 << 20

func (c *call) writeError(e *apiError) {
	c.errCode = e.code
	c.writeJSON(e.status, errorBody{RequestID: c.id, HostID: c.r.Host, Code: e.code, Message: e.message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + e.code + "&product=Ecs&requestId=" + c.id})
}

func (c *call) writeJSON(status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(errorBody{RequestID: c.id, Code: "InternalError", Message: "encode response: " + err.Error()})
	}
	h := c.w.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}
