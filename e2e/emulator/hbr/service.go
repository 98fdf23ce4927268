// Package hbr emulates Alibaba Cloud Backup (HBR, RPC API version 2017-09-08) for container volumes,
// closely enough that the real hbr-20170908/v2 SDK runs against it unchanged: vaults, container
// clusters, per-node hbr-client agents (registered by the harness), backup jobs that read a node's files
// at a configurable throughput into a content-addressed, deduplicating store, snapshots with retention
// on a movable clock, and restore jobs that write the files back. Signatures, STS and paging come from
// the shared rpc package, fault injection from the faults package.
package hbr

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

const (
	// ServiceName is how faults address this service.
	ServiceName = "hbr"
	// APIVersion is the HBR API version the service speaks.
	APIVersion = "2017-09-08"

	DefaultThroughput     = 200 << 20 // bytes per second
	DefaultJobStartDelay  = 500 * time.Millisecond
	DefaultVaultInitDelay = 500 * time.Millisecond
	// Instant, given as a delay in Options, makes the transition happen at once (0 means the default).
	Instant time.Duration = -1
	// Unlimited, given as Options.Throughput, lets jobs run as fast as the disk goes.
	Unlimited int64 = -1
)

// Options shape the emulated HBR; zero values are the defaults.
type Options struct {
	Throughput     int64         // bytes per second; 0 = DefaultThroughput, Unlimited = no limit
	JobStartDelay  time.Duration // 0 = DefaultJobStartDelay, Instant = at once
	VaultInitDelay time.Duration // 0 = DefaultVaultInitDelay, Instant = at once
	NotActivated   bool          // start as an account that has not activated Cloud Backup
}

// Config configures a Service.
type Config struct {
	DataDir string // the store goes to <DataDir>/hbr; required
	Options Options
	Keys    svc.KeyLookup    // nil rejects every request
	Faults  *faults.Injector // optional
	Logger  logrus.FieldLogger
	Now     func() time.Time // wall clock; the HBR clock runs ahead of it by the admin offset
}

// Service is one emulated HBR endpoint. It is an http.Handler.
type Service struct {
	cfg      Config
	log      logrus.FieldLogger
	wall     func() time.Time
	blobs    *blobStore
	stats    svc.Counter
	inflight sync.WaitGroup
	jobs     sync.WaitGroup // job goroutines
	ctx      context.Context
	stop     context.CancelFunc

	mu       sync.Mutex // guards everything below
	settings Settings
	offset   time.Duration
	st       state
}

// New creates the service; the blob store lives under cfg.DataDir/hbr.
func New(cfg Config) (*Service, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("hbr emulator: data dir is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	blobs, err := openBlobStore(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("hbr emulator: %w", err)
	}
	o := cfg.Options
	throughput := o.Throughput
	switch {
	case throughput == 0:
		throughput = DefaultThroughput
	case throughput < 0:
		throughput = 0
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Service{cfg: cfg, log: svc.Logger(cfg.Logger, ServiceName), wall: cfg.Now, blobs: blobs, ctx: ctx, stop: stop,
		settings: Settings{Throughput: throughput, JobStartDelay: svc.Duration(o.JobStartDelay, DefaultJobStartDelay),
			VaultInitDelay: svc.Duration(o.VaultInitDelay, DefaultVaultInitDelay), Activated: !o.NotActivated},
		st: newState()}
	return s, nil
}

// Close stops the running jobs and waits for them and for requests in flight.
func (s *Service) Close() error {
	s.stop()
	done := make(chan struct{})
	go func() { s.jobs.Wait(); s.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("hbr emulator: jobs or requests still running after 10s")
	}
}

// Claims reports whether r is an HBR RPC request (API version 2017-09-08).
func Claims(r *http.Request) bool { return rpc.Claims(r, APIVersion) }

// now is the HBR clock. Callers hold s.mu.
func (s *Service) now() time.Time { return s.wall().Add(s.offset) }
