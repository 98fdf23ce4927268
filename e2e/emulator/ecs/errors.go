package ecs

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
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
type apiError = rpc.Error

var (
	newError        = rpc.NewError
	errInvalidParam = rpc.ErrInvalidParam
	errMissing      = rpc.ErrMissing
	errInternal     = rpc.ErrInternal
)

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
	case status == http.StatusConflict:
		return "Operation.Conflict"
	default:
		return rpc.CodeForStatus(status)
	}
}

func (c *call) writeError(e *apiError) {
	c.errCode = e.Code
	rpc.WriteError(c.w, c.r, e, c.id, "Ecs")
}

func (c *call) writeJSON(status int, v any) { rpc.WriteJSON(c.w, status, v, c.id) }
