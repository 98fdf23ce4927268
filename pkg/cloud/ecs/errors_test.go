package ecs

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

func sdkError(status int, code, message, requestID string) error {
	return tea.NewSDKError(map[string]interface{}{
		"code":       code,
		"statusCode": status,
		"message":    fmt.Sprintf("code: %d, %s request id: %s", status, message, requestID),
		"data":       map[string]interface{}{"Code": code, "Message": message, "RequestId": requestID, "HostId": "ecs.aliyuncs.com"},
	})
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		kind error
		code string
	}{
		{"missing snapshot", sdkError(404, "InvalidSnapshotId.NotFound", "The specified SnapshotId does not exist.", "R1"), cloud.ErrNotFound, "InvalidSnapshotId.NotFound"},
		{"missing disk, 400", sdkError(400, "InvalidDiskId.NotFound", "The specified disk does not exist.", "R2"), cloud.ErrNotFound, "InvalidDiskId.NotFound"},
		{"unknown key is a denial, not a missing resource", sdkError(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.", "R3"), cloud.ErrDenied, "InvalidAccessKeyId.NotFound"},
		{"wrong secret", sdkError(400, "SignatureDoesNotMatch", "The request signature does not conform.", "R4"), cloud.ErrDenied, "SignatureDoesNotMatch"},
		{"RAM", sdkError(403, "Forbidden.RAM", "User not authorized to operate on the specified resource.", "R5"), cloud.ErrDenied, "Forbidden.RAM"},
		{"throttled", sdkError(400, "Throttling.User", "Request was denied due to user flow control.", "R6"), cloud.ErrThrottled, "Throttling.User"},
		{"server", sdkError(500, "InternalError", "The request processing has failed due to some unknown error.", "R7"), cloud.ErrUnavailable, "InternalError"},
		{"wrong state is a refusal", sdkError(403, "IncorrectDiskStatus", "The current disk status does not support this operation.", "R8"), cloud.ErrInvalid, "IncorrectDiskStatus"},
		{"bad size", sdkError(400, "InvalidDiskSize.TooSmall", "Specified disk size is less than the size of snapshot.", "R9"), cloud.ErrInvalid, "InvalidDiskSize.TooSmall"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify("Op", "res-1", tt.err)
			assert.ErrorIs(t, err, tt.kind)
			var ce *cloud.Error
			if assert.ErrorAs(t, err, &ce) {
				assert.Equal(t, tt.code, ce.Code)
				assert.NotEmpty(t, ce.RequestID)
				assert.NotContains(t, ce.Message, "request id", "the message is the service's own")
				assert.Contains(t, err.Error(), "request id "+ce.RequestID)
				assert.Contains(t, err.Error(), "ecs Op res-1")
			}
			var se *tea.SDKError
			assert.ErrorAs(t, err, &se, "the SDK error stays reachable")
		})
	}
	assert.NoError(t, classify("Op", "x", nil))
	assert.ErrorIs(t, classify("Op", "x", context.DeadlineExceeded), cloud.ErrUnavailable)
	assert.ErrorIs(t, classify("Op", "x", errors.New("dial tcp 127.0.0.1:1: connect: connection refused")), cloud.ErrUnavailable)
	once := classify("Op", "x", sdkError(404, "InvalidSnapshotId.NotFound", "gone", "R"))
	assert.Same(t, once, classify("Other", "y", once), "classified once")
}
