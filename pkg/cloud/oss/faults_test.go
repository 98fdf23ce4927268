package oss_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

func faultResetGet() faults.Fault {
	return faults.Fault{Service: "oss", Operation: "GetObject", ResetMidBody: true, Count: 10}
}

// An upload that meets faults mid-way either succeeds with identical bytes or fails; either way no
// multipart upload is left in progress, and a failed upload leaves no object behind.
func TestUploadUnderFaults(t *testing.T) {
	const size = 12<<20 + 7
	tests := []struct {
		name        string
		fault       faults.Fault
		mustSucceed bool
		mustFail    bool
	}{
		{name: "transient 503 on two parts is retried", mustSucceed: true,
			fault: faults.Fault{Service: "oss", Operation: "UploadPart", Status: 503, Code: "ServiceUnavailable", Count: 2}},
		{name: "connection reset mid-part", fault: faults.Fault{Service: "oss", Operation: "UploadPart", ResetMidBody: true, Count: 1}},
		{name: "parts keep failing", mustFail: true,
			fault: faults.Fault{Service: "oss", Operation: "UploadPart", Status: 500, Code: "InternalError"}},
		{name: "complete keeps failing", mustFail: true,
			fault: faults.Fault{Service: "oss", Operation: "CompleteMultipartUpload", Status: 503, Code: "ServiceUnavailable"}},
		{name: "every part reset", mustFail: true,
			fault: faults.Fault{Service: "oss", Operation: "UploadPart", ResetMidBody: true}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			em := newEmulator(t)
			c := newClient(t, em.URL, func(cfg *oss.Config) { cfg.PartSize = 1 << 20; cfg.Parallelism = 4 })
			em.Faults().Add(tt.fault)
			key := fmt.Sprintf("backups/b%d/b.tar.gz", i)
			body := newRandomStream(size, byte(i))
			err := c.PutObject(context.Background(), testBucket, key, body)
			switch {
			case tt.mustSucceed:
				require.NoError(t, err)
			case tt.mustFail:
				require.Error(t, err)
			}
			if err == nil {
				wantSHA, wantCRC := body.digest()
				rc, gerr := c.GetObject(context.Background(), testBucket, key)
				require.NoError(t, gerr)
				gotSHA, gotCRC, n := digestOf(t, rc)
				assert.Equal(t, int64(size), n)
				assert.Equal(t, wantSHA, gotSHA)
				assert.Equal(t, wantCRC, gotCRC)
			} else {
				ok, xerr := c.ObjectExists(context.Background(), testBucket, key)
				require.NoError(t, xerr)
				assert.False(t, ok, "a failed upload leaves no object")
				assert.NotContains(t, err.Error(), testSK)
			}
			uploads, lerr := em.OSS().ListUploads(testBucket)
			require.NoError(t, lerr)
			assert.Empty(t, uploads, "no multipart upload left in progress")
		})
	}
}

func TestSinglePutRetriesTransientErrors(t *testing.T) {
	em := newEmulator(t)
	c := newClient(t, em.URL)
	em.Faults().Add(faults.Fault{Service: "oss", Operation: "PutObject", Status: 503, Code: "ServiceUnavailable", Count: 2})
	body := newRandomStream(4096, 9)
	require.NoError(t, c.PutObject(context.Background(), testBucket, "small.json", body))
	_, wantCRC := body.digest()
	info, err := em.OSS().ObjectInfo(testBucket, "small.json")
	require.NoError(t, err)
	assert.Equal(t, wantCRC, info.CRC64)
}
