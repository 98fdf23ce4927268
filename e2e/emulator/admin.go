package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/oss"
)

// State is what GET /_admin/state returns. Each service reports under its own name, so a new service
// does not change what clients of this endpoint read.
type State struct {
	Region  string          `json:"region"`
	OSS     oss.State       `json:"oss"`
	ECS     ecs.State       `json:"ecs"`
	HBR     hbr.State       `json:"hbr"`
	Faults  []faults.Active `json:"faults"`
	Network Network         `json:"network"`
}

// Network is the WAN emulation setting; JSON {"latency":"40ms","bandwidthBytesPerSecond":6250000}, with
// "shared":true when the bandwidth is one uplink shared by all connections rather than a cap on each.
// Latency is a round-trip time, charged per round trip (see faults.Shape).
type Network struct {
	Latency                 time.Duration
	BandwidthBytesPerSecond int64
	Shared                  bool
}

type networkJSON struct {
	Latency                 json.RawMessage `json:"latency"`
	BandwidthBytesPerSecond int64           `json:"bandwidthBytesPerSecond"`
	Shared                  bool            `json:"shared,omitempty"`
}

// MarshalJSON writes Latency as a Go duration string.
func (n Network) MarshalJSON() ([]byte, error) {
	return json.Marshal(networkJSON{Latency: json.RawMessage(strconv.Quote(n.Latency.String())),
		BandwidthBytesPerSecond: n.BandwidthBytesPerSecond, Shared: n.Shared})
}

// UnmarshalJSON accepts Latency as a Go duration string or as nanoseconds.
func (n *Network) UnmarshalJSON(data []byte) error {
	var w networkJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	d, err := faults.ParseJSONDuration(w.Latency)
	if err != nil {
		return fmt.Errorf("network latency: %w", err)
	}
	*n = Network{Latency: d, BandwidthBytesPerSecond: w.BandwidthBytesPerSecond, Shared: w.Shared}
	return nil
}

// apply puts n into force.
func (n Network) apply(inj *faults.Injector) {
	if n.Shared {
		inj.SetSharedUplink(n.Latency, n.BandwidthBytesPerSecond)
		return
	}
	inj.SetNetwork(n.Latency, n.BandwidthBytesPerSecond)
}

// State returns a snapshot of everything the admin endpoint reports.
func (e *Emulator) State() State {
	shape := e.faults.NetworkShape()
	return State{Region: e.region, OSS: e.oss.State(), ECS: e.ecs.State(), HBR: e.hbr.State(), Faults: e.faults.List(),
		Network: Network{Latency: shape.Latency, BandwidthBytesPerSecond: shape.BytesPerSecond, Shared: shape.Shared}}
}

// adminHandler serves the JSON admin API. It carries no authentication, so it refuses callers that are
// not on loopback even if someone mounts Handler on a public listener.
func (e *Emulator) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_admin/state", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.State())
	})
	mux.HandleFunc("GET /_admin/faults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.faults.List())
	})
	mux.HandleFunc("POST /_admin/faults", func(w http.ResponseWriter, r *http.Request) {
		var f faults.Fault
		if err := decodeJSON(r, &f); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if err := f.Validate(); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		id := e.faults.Add(f)
		e.log.WithField("fault_id", id).Info("admin: fault added")
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	})
	mux.HandleFunc("DELETE /_admin/faults", func(w http.ResponseWriter, r *http.Request) {
		e.faults.Clear()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_admin/faults/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !e.faults.Remove(r.PathValue("id")) {
			adminError(w, http.StatusNotFound, fmt.Errorf("no fault with id %q", r.PathValue("id")))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /_admin/network", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, e.State().Network)
	})
	mux.HandleFunc("POST /_admin/network", func(w http.ResponseWriter, r *http.Request) {
		var n Network
		if err := decodeJSON(r, &n); err != nil {
			adminError(w, http.StatusBadRequest, err)
			return
		}
		if n.Latency < 0 || n.BandwidthBytesPerSecond < 0 {
			adminError(w, http.StatusBadRequest, errors.New("latency and bandwidthBytesPerSecond must not be negative"))
			return
		}
		n.apply(e.faults)
		e.log.WithFields(map[string]any{"latency": n.Latency, "bandwidth": n.BandwidthBytesPerSecond, "shared": n.Shared}).
			Info("admin: network shaping set")
		writeJSON(w, http.StatusOK, n)
	})
	mux.HandleFunc("PUT /_admin/buckets/{name}", func(w http.ResponseWriter, r *http.Request) {
		e.bucketOp(w, e.oss.CreateBucket(r.PathValue("name")), http.StatusCreated)
	})
	mux.HandleFunc("DELETE /_admin/buckets/{name}", func(w http.ResponseWriter, r *http.Request) {
		e.bucketOp(w, e.oss.DeleteBucket(r.PathValue("name")), http.StatusNoContent)
	})
	mux.HandleFunc("GET /_admin/buckets/{name}/objects", func(w http.ResponseWriter, r *http.Request) {
		objs, err := e.oss.Objects(r.PathValue("name"), r.URL.Query().Get("prefix"))
		if err != nil {
			e.bucketOp(w, err, http.StatusOK)
			return
		}
		writeJSON(w, http.StatusOK, objs)
	})
	mux.HandleFunc("POST /_admin/buckets/{name}/offline", func(w http.ResponseWriter, r *http.Request) {
		e.bucketOp(w, e.oss.SetBucketOnline(r.PathValue("name"), false), http.StatusNoContent)
	})
	mux.HandleFunc("POST /_admin/buckets/{name}/online", func(w http.ResponseWriter, r *http.Request) {
		e.bucketOp(w, e.oss.SetBucketOnline(r.PathValue("name"), true), http.StatusNoContent)
	})
	mux.HandleFunc("DELETE /_admin/stats", func(w http.ResponseWriter, r *http.Request) {
		e.oss.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	})
	e.ecsAdmin(mux)
	e.hbrAdmin(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		adminError(w, http.StatusNotFound, fmt.Errorf("no admin endpoint %s %s", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fromLoopback(r) {
			adminError(w, http.StatusForbidden, fmt.Errorf("the admin API answers loopback clients only, not %s", r.RemoteAddr))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (e *Emulator) bucketOp(w http.ResponseWriter, err error, okStatus int) {
	switch {
	case err == nil:
		w.WriteHeader(okStatus)
	case errors.Is(err, oss.ErrNoSuchBucket):
		adminError(w, http.StatusNotFound, err)
	case errors.Is(err, oss.ErrBucketExists):
		adminError(w, http.StatusConflict, err)
	case errors.Is(err, oss.ErrInvalidBucketName):
		adminError(w, http.StatusBadRequest, err)
	default:
		adminError(w, http.StatusInternalServerError, err)
	}
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// decodeJSON rejects unknown fields so that a misspelled option fails loudly instead of being ignored.
func decodeJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode request body: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		adminError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func adminError(w http.ResponseWriter, status int, err error) {
	body, _ := json.Marshal(map[string]string{"error": err.Error()})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
