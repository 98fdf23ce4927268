package hbr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

func sdkError(status int, code, message, requestID string) error {
	return tea.NewSDKError(map[string]interface{}{
		"code":       code,
		"statusCode": status,
		"message":    fmt.Sprintf("code: %d, %s request id: %s", status, message, requestID),
		"data":       map[string]interface{}{"Code": code, "Message": message, "RequestId": requestID},
	})
}

func TestClassifySDKErrors(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		kinds   []error
		code    string
		wording string
	}{
		{"unknown key", sdkError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.", "R1"), []error{cloud.ErrDenied}, "InvalidAccessKeyId.NotFound", ""},
		{"wrong secret", sdkError(400, "SignatureDoesNotMatch", "The request signature does not conform.", "R2"), []error{cloud.ErrDenied}, "SignatureDoesNotMatch", ""},
		{"RAM", sdkError(403, "Forbidden.RAM", "User not authorized.", "R3"), []error{cloud.ErrDenied}, "Forbidden.RAM", ""},
		{"agent role missing", sdkError(403, "MagpieBridgeSlrNotExist", "Service linked role not exist.", "R4"), []error{cloud.ErrDenied}, "MagpieBridgeSlrNotExist", ""},
		{"throttled", sdkError(400, "Throttling.User", "Request was denied due to user flow control.", "R5"), []error{cloud.ErrThrottled}, "Throttling.User", ""},
		{"server", sdkError(500, "InternalError", "The request processing has failed.", "R6"), []error{cloud.ErrUnavailable}, "InternalError", ""},
		{"missing job", sdkError(404, "JobNotExist", "The job does not exist.", "R7"), []error{cloud.ErrNotFound}, "JobNotExist", ""},
		{"bad parameter", sdkError(400, "InvalidParameter", "ContainerResources is invalid.", "R8"), []error{cloud.ErrInvalid}, "InvalidParameter", ""},
		{"vault deleted", sdkError(400, "400", "Illegal request. Please modify the parameters", "R9"), []error{cloud.ErrInvalid, ErrVaultDeleted}, "400",
			"HBRError: hbr Op res-1: code: 400, Illegal request. Please modify the parameters (request id R9)"},
		{"not activated", sdkError(400, "ServiceNotActivated", "Cloud Backup is not activated.", "R10"), []error{cloud.ErrDenied, ErrNotActivated}, "ServiceNotActivated",
			"HBRError: check HBR vault error: hbr Op res-1: access denied (ServiceNotActivated; Cloud Backup is not activated; request id R10)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify("Op", "res-1", tt.err)
			for _, kind := range tt.kinds {
				assert.ErrorIs(t, err, kind)
			}
			var ce *cloud.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.code, ce.Code)
			assert.NotEmpty(t, cloud.RequestID(err))
			assert.Contains(t, err.Error(), "request id "+ce.RequestID)
			if tt.wording != "" {
				assert.Equal(t, tt.wording, err.Error())
			}
			var se *tea.SDKError
			assert.ErrorAs(t, err, &se, "the SDK error stays reachable")
			assert.Same(t, err, classify("Other", "x", err), "classified once")
		})
	}
	assert.NoError(t, classify("Op", "x", nil))
	assert.ErrorIs(t, classify("Op", "x", context.DeadlineExceeded), cloud.ErrUnavailable)
	assert.ErrorIs(t, classify("Op", "x", errors.New("read tcp 127.0.0.1:1: connection reset by peer")), cloud.ErrUnavailable)
}

// HBR answers business failures with HTTP 200 and Success false.
func TestAnswerErrors(t *testing.T) {
	answer := func(success *bool, code, message string) *hbrsdk.CreateBackupJobResponse {
		return &hbrsdk.CreateBackupJobResponse{Body: &hbrsdk.CreateBackupJobResponseBody{Success: success,
			Code: optString(code), Message: optString(message), RequestId: tea.String("REQ")}}
	}
	tests := []struct {
		name   string
		answer any
		kinds  []error // nil = no error
	}{
		{"success", answer(tea.Bool(true), "200", "successful"), nil},
		{"no success field", answer(nil, "", ""), nil},
		{"no answer", (*hbrsdk.CreateBackupJobResponse)(nil), []error{cloud.ErrUnavailable}},
		{"no body", &hbrsdk.CreateBackupJobResponse{}, []error{cloud.ErrUnavailable}},
		{"vault deleted", answer(tea.Bool(false), "400", "Illegal request. Please modify the parameters"), []error{cloud.ErrInvalid, ErrVaultDeleted}},
		{"not activated", answer(tea.Bool(false), "HbrNotActivated", "HBR is not activated"), []error{cloud.ErrDenied, ErrNotActivated}},
		{"throttled", answer(tea.Bool(false), "Throttling", "too fast"), []error{cloud.ErrThrottled}},
		{"missing", answer(tea.Bool(false), "404", "not found"), []error{cloud.ErrNotFound}},
		{"internal", answer(tea.Bool(false), "500", "internal error"), []error{cloud.ErrUnavailable}},
		{"refused", answer(tea.Bool(false), "InvalidParameter", "bad"), []error{cloud.ErrInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := answerError("CreateBackupJob", "job-1", tt.answer)
			if tt.kinds == nil {
				assert.NoError(t, err)
				return
			}
			for _, kind := range tt.kinds {
				assert.ErrorIs(t, err, kind)
			}
			assert.ErrorContains(t, err, "CreateBackupJob job-1")
		})
	}
	assert.Equal(t, "REQ", cloud.RequestID(answerError("Op", "x", answer(tea.Bool(false), "400", "Illegal request"))))
}
