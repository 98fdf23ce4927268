package hbr

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

// Errors returned by the Go API of Service (admin calls). HTTP clients see HBR error codes instead.
var (
	ErrInvalid  = errors.New("invalid request")
	ErrNotFound = errors.New("not found")
)

// Codes the emulator answers with. HBR documents few of its codes; where it is silent these are chosen
// to read like its documented ones, and each is listed here once.
const (
	// CodeNotActivated (HTTP 403) answers every call of an account without Cloud Backup; ACK reports
	// it as "HBRError: check HBR vault error".
	CodeNotActivated = "ServiceNotOpen"
	// CodeIllegalRequest (HTTP 400, "Illegal request. Please modify the parameters") answers a call
	// naming a deleted vault, as ACK shows for a deleted ack-backup-data vault.
	CodeIllegalRequest = "IllegalRequest"
	// The business refusals below come as HTTP 200 with Success false, as HBR answers them.
	CodeVaultNotExist    = "VaultNotExist"
	CodeVaultNotReady    = "VaultNotReady"
	CodeClusterNotExist  = "ContainerClusterNotExist"
	CodeClusterExists    = "ContainerClusterAlreadyExists"
	CodeJobNotExist      = "JobNotExist"
	CodeJobFinished      = "JobAlreadyFinished"
	CodeSnapshotNotExist = "SnapshotNotExist"
	CodeSnapshotLatest   = "SnapshotIsLatest"
)

func errNotActivated() *rpc.Error {
	return rpc.NewError(http.StatusForbidden, CodeNotActivated,
		"Cloud Backup (HBR) is not activated for this account. Activate the service before calling its API.")
}

func errIllegalRequest() *rpc.Error {
	return rpc.NewError(http.StatusBadRequest, CodeIllegalRequest, "Illegal request. Please modify the parameters")
}

// refuse is a business refusal: HTTP 200, Success false.
func refuse(code, format string, args ...any) *rpc.Error {
	return rpc.NewError(http.StatusOK, code, fmt.Sprintf(format, args...))
}

// statusForCode gives the HTTP status of a fault that names only a code. Alibaba Cloud's gateway answers
// throttling with 400.
func statusForCode(code string) int {
	switch {
	case strings.HasPrefix(code, "Throttling"), strings.HasPrefix(code, "Missing"), strings.HasPrefix(code, "Invalid"),
		code == CodeIllegalRequest, code == "SignatureDoesNotMatch", code == "IncompleteSignature":
		return http.StatusBadRequest
	case strings.HasPrefix(code, "ServiceUnavailable"):
		return http.StatusServiceUnavailable
	case strings.HasPrefix(code, "Forbidden"), code == CodeNotActivated, code == "MagpieBridgeSlrNotExist":
		return http.StatusForbidden
	case strings.HasSuffix(code, ".NotFound"):
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}
