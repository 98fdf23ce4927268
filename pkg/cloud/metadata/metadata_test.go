package metadata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeService is a metadata service with the region and zone of one instance, in hardened mode or not.
func fakeService(t *testing.T, hardened bool, region string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /latest/api/token", func(w http.ResponseWriter, r *http.Request) {
		if !hardened {
			http.NotFound(w, r)
			return
		}
		if r.Header.Get(tokenTTLHeader) == "" {
			http.Error(w, "missing ttl", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte("session-token"))
	})
	item := func(value string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if hardened && r.Header.Get(tokenHeader) != "session-token" {
				http.Error(w, "forbidden", http.StatusForbidden)
				return
			}
			_, _ = w.Write([]byte(value + "\n"))
		}
	}
	mux.HandleFunc("GET /latest/meta-data/region-id", item(region))
	mux.HandleFunc("GET /latest/meta-data/zone-id", item(region+"-h"))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestRegionAndZone(t *testing.T) {
	for _, hardened := range []bool{true, false} {
		srv := fakeService(t, hardened, "cn-beijing")
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
	srv := fakeService(t, true, "<html>captive portal</html>")
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
