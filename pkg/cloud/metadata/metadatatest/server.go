// Package metadatatest runs a stand-in ECS instance metadata service for one test, as net/http/httptest
// runs an HTTP server: a node of one region and zone, in hardened mode (IMDSv2) or normal mode, that
// counts the region lookups it answers.
package metadatatest

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// Headers of the metadata service's hardened mode.
const (
	tokenTTLHeader = "X-aliyun-ecs-metadata-token-ttl-seconds"
	tokenHeader    = "X-aliyun-ecs-metadata-token"
	token          = "metadatatest-session-token"
)

// Server is the stand-in, listening on 127.0.0.1 until the test ends.
type Server struct {
	// URL is the endpoint to give a metadata client (or ALIBABA_CLOUD_IMDS_ENDPOINT).
	URL           string
	regionLookups atomic.Int64
}

// Options say what the node is and how the service behaves.
type Options struct {
	// Region is what region-id answers; the zone is Region + "-h".
	Region string
	// Normal turns hardened mode off: no session token is handed out, none is needed.
	Normal bool
}

// NewServer starts a metadata service of a node in opts.Region.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /latest/api/token", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case opts.Normal:
			http.NotFound(w, r)
		case r.Header.Get(tokenTTLHeader) == "":
			http.Error(w, "missing token TTL", http.StatusBadRequest)
		default:
			_, _ = w.Write([]byte(token))
		}
	})
	item := func(value string, count bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if !opts.Normal && r.Header.Get(tokenHeader) != token {
				http.Error(w, "token required", http.StatusForbidden)
				return
			}
			if count {
				s.regionLookups.Add(1)
			}
			_, _ = w.Write([]byte(value + "\n"))
		}
	}
	mux.HandleFunc("GET /latest/meta-data/region-id", item(opts.Region, true))
	mux.HandleFunc("GET /latest/meta-data/zone-id", item(opts.Region+"-h", false))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// RegionLookups counts the region-id reads answered.
func (s *Server) RegionLookups() int64 { return s.regionLookups.Load() }
