package objectstore

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
)

func TestErrorWording(t *testing.T) {
	cfg := bslconfig.Config{Bucket: "cnfs-oss-b", Endpoint: "https://oss-cn-hangzhou-internal.aliyuncs.com", Network: bslconfig.NetworkInternal}
	ossErr := func(kind error, code string) error {
		return &cloud.Error{Service: "oss", Operation: "ListObjectsV2", Resource: "cnfs-oss-b/", Kind: kind, Code: code, RequestID: "RID-1"}
	}
	tests := []struct {
		name string
		err  error
		fn   func(bslconfig.Config, error) error
		want []string
	}{
		{"missing bucket on list", ossErr(cloud.ErrNotFound, "NoSuchBucket"), listFailed,
			[]string{"VaultError: backup vault is unavailable: bucket \"cnfs-oss-b\" does not exist at https://oss-cn-hangzhou-internal.aliyuncs.com", "request id RID-1"}},
		{"denied on list", ossErr(cloud.ErrDenied, "AccessDenied"), listFailed,
			[]string{"VaultError: backup vault is unavailable: access to bucket \"cnfs-oss-b\" is denied"}},
		{"unreachable internal endpoint hints at public", ossErr(cloud.ErrUnavailable, ""), listFailed,
			[]string{"VaultError: backup vault is unavailable: cannot reach", "use network: public"}},
		{"throttled list is not a vault error", ossErr(cloud.ErrThrottled, "Throttling"), listFailed,
			[]string{"check backup files in OSS bucket failed:"}},
		{"upload into a missing bucket says both", ossErr(cloud.ErrNotFound, "NoSuchBucket"),
			func(c bslconfig.Config, e error) error {
				return operationFailed(c, "upload backup files to OSS bucket failed", e)
			},
			[]string{"upload backup files to OSS bucket failed: VaultError: backup vault is unavailable:"}},
		{"missing key on download is not a vault error", ossErr(cloud.ErrNotFound, "NoSuchKey"),
			func(c bslconfig.Config, e error) error {
				return operationFailed(c, "download backup files from OSS bucket failed", e)
			},
			[]string{"download backup files from OSS bucket failed: oss ListObjectsV2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.fn(cfg, tt.err)
			for _, w := range tt.want {
				assert.Contains(t, got.Error(), w)
			}
			assert.True(t, errors.Is(got, tt.err.(*cloud.Error).Kind), "classification survives wrapping")
			assert.Equal(t, "RID-1", cloud.RequestID(got))
		})
	}
	assert.NotContains(t, fmt.Sprint(listFailed(cfg, ossErr(cloud.ErrThrottled, "x"))), "VaultError")
}
