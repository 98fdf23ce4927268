package objectstore

import (
	"math"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
)

func TestInitFitsTheMemoryLimitToTheUploadBuffers(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name    string
		config  []string
		env     []string
		current int64
		want    int64
	}{
		{name: "defaults fit the binary's limit", current: 128 * mib, want: 128 * mib},
		{name: "larger parts raise it", config: []string{"uploadPartSize", "32Mi"}, current: 128 * mib, want: (9*32 + 56) * mib},
		{name: "more parallel parts raise it", config: []string{"uploadParallelism", "16"}, current: 128 * mib, want: (17*8 + 56) * mib},
		{name: "a higher limit stays", config: []string{"uploadPartSize", "32Mi"}, current: math.MaxInt64, want: math.MaxInt64},
		{name: "GOMEMLIMIT is the operator's word", config: []string{"uploadPartSize", "32Mi"}, env: []string{"GOMEMLIMIT", "100MiB"},
			current: 100 * mib, want: 100 * mib},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.current
			deps := DefaultDependencies()
			deps.NewClient = func(oss.Config) (oss.Client, error) { return newMemoryOSS(), nil }
			deps.Environment = bslconfig.Environment{Getenv: vars(tt.env...)}
			deps.SetMemoryLimit = func(n int64) int64 {
				old := limit
				if n >= 0 {
					limit = n
				}
				return old
			}
			config := map[string]string{"bucket": "cnfs-oss-b", "region": "cn-hangzhou", "credentialsFile": credentialsFile(t)}
			for i := 0; i+1 < len(tt.config); i += 2 {
				config[tt.config[i]] = tt.config[i+1]
			}
			require.NoError(t, New(logrus.New(), deps).Init(config))
			assert.Equal(t, tt.want, limit)
		})
	}
}
