// Package emulator is a local Alibaba Cloud: one HTTP endpoint on loopback that the real Alibaba Cloud Go
// SDKs talk to unchanged. It serves OSS, ECS and Cloud Backup (HBR); the RPC-style APIs (ECS, HBR) are told
// apart from OSS, and from each other, by their x-acs-action header or Action parameter and their API version. Faults and WAN shaping are
// shared by all services, and an admin API under /_admin/ lets tests and scripts inspect and steer it.
package emulator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// DefaultRegion is the region served when Options.Region is empty.
const DefaultRegion = "cn-hangzhou"

// Credential is an AccessKey pair the emulator accepts.
type Credential struct {
	AccessKeyID, AccessKeySecret string
	SecurityToken                string    // non-empty = STS credential: requests must carry this token
	Expiration                   time.Time // zero = never; afterwards requests fail with 403
}

// Options configures an Emulator.
type Options struct {
	DataDir     string             // state directory; "" = a temp dir removed by Close
	Region      string             // default "cn-hangzhou"
	Credentials []Credential       // accepted keys; none = reject everything
	Buckets     []string           // buckets created at start (existing ones are kept as they are)
	ECS         ecs.Options        // ECS regions, zones, disk categories and timings; zero = ecs defaults
	HBR         hbr.Options        // HBR throughput and delays; zero = hbr defaults
	Logger      logrus.FieldLogger // optional; nil discards logs
}

// Emulator composes the emulated services on one handler.
type Emulator struct {
	region  string
	dataDir string
	ownDir  bool
	log     logrus.FieldLogger
	faults  *faults.Injector
	oss     *oss.Service
	ecs     *ecs.Service
	hbr     *hbr.Service
	handler http.Handler

	credMu sync.RWMutex
	creds  map[string]Credential

	mu      sync.Mutex
	servers []*http.Server
	closed  bool
}

// New opens the state in opts.DataDir (creating it if needed) and creates opts.Buckets.
func New(opts Options) (*Emulator, error) {
	e := &Emulator{region: opts.Region, dataDir: opts.DataDir, log: opts.Logger, faults: faults.New(),
		creds: map[string]Credential{}}
	if e.region == "" {
		e.region = DefaultRegion
	}
	if e.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		e.log = l
	}
	if e.dataDir == "" {
		dir, err := os.MkdirTemp("", "alibabacloud-emulator-")
		if err != nil {
			return nil, fmt.Errorf("create emulator data dir: %w", err)
		}
		e.dataDir, e.ownDir = dir, true
	}
	for _, c := range opts.Credentials {
		e.AddCredential(c)
	}
	svc, err := oss.New(oss.Config{DataDir: e.dataDir, Region: e.region, Keys: e.lookupKey, Faults: e.faults, Logger: e.log})
	if err != nil {
		e.removeOwnDir()
		return nil, fmt.Errorf("start oss emulator: %w", err)
	}
	e.oss = svc
	ecsSvc, err := ecs.New(ecs.Config{DataDir: e.dataDir, Options: opts.ECS, Keys: e.lookupKey, Faults: e.faults, Logger: e.log})
	if err != nil {
		e.removeOwnDir()
		return nil, fmt.Errorf("start ecs emulator: %w", err)
	}
	e.ecs = ecsSvc
	hbrSvc, err := hbr.New(hbr.Config{DataDir: e.dataDir, Options: opts.HBR, Keys: e.lookupKey, Faults: e.faults, Logger: e.log})
	if err != nil {
		e.removeOwnDir()
		return nil, fmt.Errorf("start hbr emulator: %w", err)
	}
	e.hbr = hbrSvc
	for _, b := range opts.Buckets {
		if err := svc.CreateBucket(b); err != nil && !errors.Is(err, oss.ErrBucketExists) {
			e.removeOwnDir()
			return nil, fmt.Errorf("create initial bucket: %w", err)
		}
	}
	e.handler = e.route()
	return e, nil
}

// AddCredential accepts one more key, or replaces the key with the same ID (an STS refresh).
func (e *Emulator) AddCredential(c Credential) {
	e.credMu.Lock()
	defer e.credMu.Unlock()
	e.creds[c.AccessKeyID] = c
}

// RemoveCredential stops accepting a key.
func (e *Emulator) RemoveCredential(accessKeyID string) {
	e.credMu.Lock()
	defer e.credMu.Unlock()
	delete(e.creds, accessKeyID)
}

// lookupKey serves every service: they all accept the same keys.
func (e *Emulator) lookupKey(id string) (svc.Key, bool) {
	e.credMu.RLock()
	defer e.credMu.RUnlock()
	c, ok := e.creds[id]
	return svc.Key{Secret: c.AccessKeySecret, SecurityToken: c.SecurityToken, Expiration: c.Expiration}, ok
}

// route sends /_admin/ to the admin API, RPC requests of ECS's API version to ECS and of HBR's to HBR, and
// everything else to OSS, which has no RPC-style requests. WAN latency is not added here, once per request,
// but by the connections Serve shapes, per round trip: a client pays for each round trip it makes.
func (e *Emulator) route() http.Handler {
	admin := e.adminHandler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/_admin" || strings.HasPrefix(r.URL.Path, "/_admin/") {
			admin.ServeHTTP(w, r)
			return
		}
		if ecs.Claims(r) {
			e.ecs.ServeHTTP(w, r)
			return
		}
		if hbr.Claims(r) {
			e.hbr.ServeHTTP(w, r)
			return
		}
		e.oss.ServeHTTP(w, r)
	})
}

// Handler serves the cloud APIs on "/" and the admin API on "/_admin/".
func (e *Emulator) Handler() http.Handler { return e.handler }

// OSS gives direct access to the OSS state.
func (e *Emulator) OSS() *oss.Service { return e.oss }

// ECS gives direct access to the ECS state, fixtures and clock.
func (e *Emulator) ECS() *ecs.Service { return e.ecs }

// HBR gives direct access to the HBR state, agents, settings and clock.
func (e *Emulator) HBR() *hbr.Service { return e.hbr }

// Faults is the fault injector and network shaper shared by all services.
func (e *Emulator) Faults() *faults.Injector { return e.faults }

// Region is the region the emulator's OSS serves; ECS serves every region of its model.
func (e *Emulator) Region() string { return e.region }

// DataDir is where the state lives.
func (e *Emulator) DataDir() string { return e.dataDir }

// Serve accepts connections on l, shaped by the network settings of Faults, until Close or Shutdown.
func (e *Emulator) Serve(l net.Listener) error {
	errLog := e.log.WithField("component", "http").WriterLevel(logrus.DebugLevel)
	defer errLog.Close()
	srv := &http.Server{
		Handler:           e.handler,
		ReadHeaderTimeout: time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(errLog, "", 0),
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		_ = l.Close()
		return nil
	}
	e.servers = append(e.servers, srv)
	e.mu.Unlock()
	if err := srv.Serve(e.faults.ShapeListener(l)); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve %s: %w", l.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for requests in flight until ctx ends, then closes.
func (e *Emulator) Shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range e.takeServers() {
		if err := srv.Shutdown(ctx); err != nil {
			// Out of patience: cut the remaining connections rather than leave handlers running.
			errs = append(errs, fmt.Errorf("shut down http server: %w", err), srv.Close())
		}
	}
	return errors.Join(append(errs, e.Close())...)
}

// Close stops all servers at once, waits for handlers and removes a temporary data dir. It is safe to
// call more than once.
func (e *Emulator) Close() error {
	e.mu.Lock()
	already := e.closed
	e.closed = true
	servers := e.servers
	e.servers = nil
	e.mu.Unlock()
	var errs []error
	for _, srv := range servers {
		if err := srv.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close http server: %w", err))
		}
	}
	if already {
		return errors.Join(errs...)
	}
	if err := e.oss.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := e.ecs.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := e.hbr.Close(); err != nil {
		errs = append(errs, err)
	}
	if err := e.removeOwnDir(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (e *Emulator) takeServers() []*http.Server {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.servers
	e.servers = nil
	return s
}

func (e *Emulator) removeOwnDir() error {
	if !e.ownDir {
		return nil
	}
	if err := os.RemoveAll(e.dataDir); err != nil {
		return fmt.Errorf("remove emulator data dir: %w", err)
	}
	return nil
}
