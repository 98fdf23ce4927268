package metadata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata/metadatatest"
)

func TestRegionAndZone(t *testing.T) {
	for _, hardened := range []bool{true, false} {
		srv := metadatatest.NewServer(t, metadatatest.Options{Region: "cn-beijing", Normal: !hardened})
		c := New(srv.URL)
		region, err := c.Region(context.Background())
		require.NoError(t, err, "hardened=%v", hardened)
		assert.Equal(t, "cn-beijing", region)
		zone, err := c.Zone(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "cn-beijing-h", zone)
	}
}

func TestRegionRefusesWhatIsNotARegion(t *testing.T) {
	srv := metadatatest.NewServer(t, metadatatest.Options{Region: "<html>captive portal</html>"})
	_, err := New(srv.URL).Region(context.Background())
	assert.EqualError(t, err, `ecs metadata region-id: "<html>captive portal</html>" is not a region ID`)
}

func TestRegionOffECSFails(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens there any more: like 100.100.100.200 off ECS
	_, err := New(srv.URL).Region(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ecs metadata region-id: ")
}
