package bslconfig

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata/metadatatest"
)

// The plugin finds the metadata service where ALIBABA_CLOUD_IMDS_ENDPOINT says, as the existing plugin's
// metadata client did, and asks it once per process (DefaultEnvironment holds one such lookup).
func TestMetadataServiceIsAskedOnce(t *testing.T) {
	md := metadatatest.NewServer(t, metadatatest.Options{Region: "ap-southeast-1"})
	t.Setenv(metadata.EnvEndpoint, md.URL)
	lookup := askMetadataOnce(os.Getenv)
	for range 3 {
		region, err := lookup()
		require.NoError(t, err)
		assert.Equal(t, "ap-southeast-1", region)
	}
	assert.Equal(t, int64(1), md.RegionLookups())
}
