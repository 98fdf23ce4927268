// Package oss emulates the Alibaba Cloud Object Storage Service REST API closely enough that the real OSS
// Go SDK v2 (and the older aliyun-oss-go-sdk) runs against it unchanged: path-style addressing, V1, V2 and
// V4 signatures (header and presigned URL), objects with ranges and metadata, CopyObject, listings,
// multipart uploads, OSS error bodies, and state that survives a restart. Fault injection comes from the
// shared faults package.
package oss

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// ServiceName is how faults address this service.
const ServiceName = "oss"

// Key and KeyLookup are the emulator's accepted keys, shared by every service.
type (
	Key       = svc.Key
	KeyLookup = svc.KeyLookup
)

// Config configures a Service.
type Config struct {
	DataDir string           // where buckets live; required
	Region  string           // e.g. "cn-hangzhou"; V4 signatures must be scoped to it
	Keys    KeyLookup        // nil rejects every signed request
	Faults  *faults.Injector // optional
	Logger  logrus.FieldLogger
	Now     func() time.Time // optional clock, for expiry tests
}

// Service is one emulated OSS endpoint. It is an http.Handler.
type Service struct {
	cfg   Config
	root  string
	log   logrus.FieldLogger
	now   func() time.Time
	stats statsCounter

	reqPrefix string
	reqSeq    atomic.Uint64
	inflight  sync.WaitGroup

	mu      sync.RWMutex
	buckets map[string]*bucket
}

// New opens (or creates) the OSS state under cfg.DataDir.
func New(cfg Config) (*Service, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("oss emulator: data dir is required")
	}
	if cfg.Region == "" {
		cfg.Region = "cn-hangzhou"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var prefix [4]byte
	if _, err := rand.Read(prefix[:]); err != nil {
		return nil, fmt.Errorf("oss emulator: seed request ids: %w", err)
	}
	s := &Service{cfg: cfg, root: filepath.Join(cfg.DataDir, "oss"), log: svc.Logger(cfg.Logger, ServiceName),
		now: cfg.Now, reqPrefix: hex.EncodeToString(prefix[:]), buckets: map[string]*bucket{}}
	s.stats.reset()
	if err := os.MkdirAll(filepath.Join(s.root, "buckets"), 0o755); err != nil {
		return nil, fmt.Errorf("oss emulator: create data dir: %w", err)
	}
	if err := s.load(); err != nil {
		return nil, fmt.Errorf("oss emulator: load state from %s: %w", s.root, err)
	}
	return s, nil
}

// Close waits for requests in flight. Their connections are expected to be closed already.
func (s *Service) Close() error {
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("oss emulator: requests still running after 5s")
	}
	return nil
}

// Region is the region the service signs for.
func (s *Service) Region() string { return s.cfg.Region }

// call carries one request through routing, fault injection, authentication and the operation.
type call struct {
	w       http.ResponseWriter
	r       *http.Request
	id      string
	bucket  string
	key     string
	op      string
	query   url.Values
	errCode string

	// resetResponse makes GetObject send half of the body and then reset the connection.
	resetResponse bool
}

func (s *Service) newRequestID() string {
	return fmt.Sprintf("%s%016X", s.reqPrefix, s.reqSeq.Add(1))
}

// ServeHTTP answers one OSS request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	start := time.Now()
	rec := svc.NewRecorder(w)
	c := &call{w: rec, r: r, id: s.newRequestID(), query: r.URL.Query()}
	h := rec.Header()
	h.Set("x-oss-request-id", c.id)
	h.Set("Server", "AliyunOSS")
	h.Set("Date", s.now().UTC().Format(http.TimeFormat))

	counted := rec.CountWhenAnswered(func(status int) { s.stats.record(c.op, c.errCode, status) })
	if e := s.serve(c); e != nil {
		c.writeError(e)
	}
	counted()
	s.log.WithFields(logrus.Fields{
		"op": c.op, "bucket": c.bucket, "key": c.key, "status": rec.Status, "code": c.errCode,
		"request_id": c.id, "duration": time.Since(start).Round(time.Microsecond),
	}).Debug("oss request")
}

func (s *Service) serve(c *call) *apiError {
	rt, e := resolve(c)
	if e != nil {
		c.op = "Unknown"
		return e
	}
	c.op = rt.op
	if f, ok := s.cfg.Faults.Match(ServiceName, c.op, c.bucket+"/"+c.key); ok {
		if done, e := s.applyFault(c, f); done || e != nil {
			return e
		}
	}
	if rt.needsBucket {
		if _, e := s.onlineBucket(c.bucket); e != nil {
			return e
		}
	}
	if e := s.authenticate(c); e != nil {
		return e
	}
	return rt.fn(s, c)
}

// applyFault delays, fails or resets the request. done means the connection is gone and nothing more may
// be written.
func (s *Service) applyFault(c *call, f faults.Fault) (done bool, e *apiError) {
	log := s.log.WithFields(logrus.Fields{"op": c.op, "request_id": c.id})
	faults.Delay(c.r.Context(), f.Latency)
	switch {
	case f.ResetMidBody && c.op == "GetObject":
		log.Info("fault: resetting connection mid response body")
		c.resetResponse = true
		return false, nil
	case f.ResetMidBody:
		log.Info("fault: resetting connection mid request body")
		c.errCode = "ConnectionReset"
		if err := faults.ResetRequest(c.w, c.r); err != nil {
			log.WithError(err).Warn("fault: reset failed")
		}
		return true, nil
	case f.IsError():
		status, code, msg := f.Answer(statusForCode, codeForStatus)
		log.WithFields(logrus.Fields{"status": status, "code": code}).Info("fault: failing request")
		e := newError(status, code, msg)
		if code == "RequestTimeTooSkewed" {
			e.with("ServerTime", s.now().UTC().Format(time.RFC3339))
		}
		return false, e
	}
	return false, nil
}
