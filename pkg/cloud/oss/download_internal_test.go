package oss

import (
	"bytes"
	"context"
	"errors"
	"hash/crc64"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

func TestVerifyingReader(t *testing.T) {
	data := []byte("backup tarball bytes")
	good := crc64.Checksum(data, crcTable)
	tests := []struct {
		name    string
		body    []byte
		want    uint64
		check   bool
		wantErr error
	}{
		{"matching crc", data, good, true, nil},
		{"altered body", append([]byte("X"), data[1:]...), good, true, cloud.ErrIntegrity},
		{"truncated body", data[:5], good, true, cloud.ErrIntegrity},
		{"no crc header: nothing to check", data[:5], 0, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &verifyingReader{body: io.NopCloser(bytes.NewReader(tt.body)), cancel: func() {}, hash: crc64.New(crcTable),
				want: tt.want, check: tt.check, resource: "b/k", requestID: "RID"}
			got, err := io.ReadAll(r)
			if tt.wantErr == nil {
				require.NoError(t, err)
				assert.Equal(t, tt.body, got)
				return
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, "RID", cloud.RequestID(err))
			require.NoError(t, r.Close())
		})
	}
}

func TestClassify(t *testing.T) {
	assert.Nil(t, classify("Op", "r", nil))
	tests := []struct {
		err  error
		kind error
	}{
		{context.DeadlineExceeded, cloud.ErrUnavailable},
		{errors.New("crc is inconsistent, client 1, server 2"), cloud.ErrIntegrity},
		{errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), cloud.ErrUnavailable},
	}
	for _, tt := range tests {
		assert.ErrorIs(t, classify("Op", "r", tt.err), tt.kind, tt.err.Error())
	}
	for status, kind := range map[int]error{404: cloud.ErrNotFound, 403: cloud.ErrDenied, 429: cloud.ErrThrottled, 503: cloud.ErrUnavailable, 400: cloud.ErrInvalid} {
		assert.Equal(t, kind, kindOf(status, ""), "status %d", status)
	}
	assert.Equal(t, cloud.ErrDenied, kindOf(400, "InvalidAccessKeyId"))
	assert.Equal(t, cloud.ErrNotFound, kindOf(400, "NoSuchBucket"))
}
