// Package ecs emulates the Alibaba Cloud ECS RPC API (version 2014-05-26) for disks, snapshots and
// snapshot groups, closely enough that the real ecs-20140526 SDK runs against it unchanged: V3
// (ACS3-HMAC-SHA256) and legacy (HMAC-SHA1) signatures, STS tokens, the JSON error format, several
// regions with zones and disk categories on one endpoint, disks and snapshots that take time to become
// ready, snapshot retention on a clock tests can advance, ClientToken idempotency, and state that
// survives a restart. Fault injection comes from the shared faults package.
package ecs

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

const (
	// ServiceName is how faults address this service.
	ServiceName = "ecs"
	// APIVersion is the ECS API version the service speaks.
	APIVersion = "2014-05-26"

	// DefaultDiskCreateDuration is how long a new disk stays Creating.
	DefaultDiskCreateDuration = 500 * time.Millisecond
	// DefaultSnapshotDuration is how long a new snapshot stays progressing.
	DefaultSnapshotDuration = 2 * time.Second
	// Instant, given as a duration in Options, makes the transition happen at once (0 means the default).
	Instant time.Duration = -1
)

// Options shape the emulated ECS.
type Options struct {
	Regions            []Region      // regions, zones and disk categories; nil = DefaultRegions()
	DiskCreateDuration time.Duration // Creating -> Available; 0 = DefaultDiskCreateDuration, Instant = at once
	SnapshotDuration   time.Duration // progressing -> accomplished; 0 = DefaultSnapshotDuration, Instant = at once
}

// Config configures a Service.
type Config struct {
	DataDir string // the state goes to <DataDir>/ecs; required
	Options Options
	Keys    KeyLookup        // nil rejects every request
	Faults  *faults.Injector // optional
	Logger  logrus.FieldLogger
	Now     func() time.Time // wall clock, for signatures and credentials; the ECS clock runs ahead of it
}

// Service is one emulated ECS endpoint serving every region of its model. It is an http.Handler.
type Service struct {
	cfg      Config
	log      logrus.FieldLogger
	wall     func() time.Time
	model    *regionModel
	stats    svc.Counter
	inflight sync.WaitGroup

	mu       sync.Mutex // guards st and settings
	st       *store
	settings Settings
}

// New opens (or creates) the ECS state under cfg.DataDir.
func New(cfg Config) (*Service, error) {
	if cfg.DataDir == "" {
		return nil, fmt.Errorf("ecs emulator: data dir is required")
	}
	regions := cloneRegions(cfg.Options.Regions)
	if len(regions) == 0 {
		regions = DefaultRegions()
	}
	if err := ValidateRegions(regions); err != nil {
		return nil, fmt.Errorf("ecs emulator: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	st, err := openStore(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("ecs emulator: %w", err)
	}
	s := &Service{cfg: cfg, log: svc.Logger(cfg.Logger, ServiceName), wall: cfg.Now, model: newRegionModel(regions), st: st,
		settings: Settings{
			DiskCreateDuration: svc.Duration(cfg.Options.DiskCreateDuration, DefaultDiskCreateDuration),
			SnapshotDuration:   svc.Duration(cfg.Options.SnapshotDuration, DefaultSnapshotDuration),
		}}
	return s, nil
}

func cloneRegions(in []Region) []Region {
	out := make([]Region, 0, len(in))
	for _, r := range in {
		r.Zones = slices.Clone(r.Zones)
		for i := range r.Zones {
			r.Zones[i].DiskCategories = slices.Clone(r.Zones[i].DiskCategories)
		}
		out = append(out, r)
	}
	return out
}

// Close waits for requests in flight. Their connections are expected to be closed already.
func (s *Service) Close() error {
	done := make(chan struct{})
	go func() { s.inflight.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("ecs emulator: requests still running after 5s")
	}
}

// now is the ECS clock: the wall clock plus the offset admin calls have added. Callers hold s.mu.
func (s *Service) now() time.Time { return s.wall().Add(s.st.offset) }

// call carries one request through routing, fault injection, authentication and the action.
type call struct {
	w        http.ResponseWriter
	r        *http.Request
	id       string
	action   string
	p        params
	body     []byte
	region   string // what faults and logs see as the addressed region...
	resource string // ...and resource ID
	now      time.Time
	changed  bool // the action modified the state, which must be saved
	errCode  string
}

// ServeHTTP answers one ECS request.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.inflight.Add(1)
	defer s.inflight.Done()
	start := time.Now()
	rec := svc.NewRecorder(w)
	c := &call{w: rec, r: r, id: rpc.NewRequestID()}
	rec.Header().Set("x-acs-request-id", c.id)
	counted := rec.CountWhenAnswered(func(status int) { s.stats.Record(c.action, c.errCode, status) })
	if e := s.serve(c); e != nil {
		c.writeError(e)
	}
	counted()
	s.log.WithFields(logrus.Fields{
		"action": c.action, "region": c.region, "resource": c.resource, "status": rec.Status, "code": c.errCode,
		"request_id": c.id, "duration": time.Since(start).Round(time.Microsecond),
	}).Debug("ecs request")
}

func (s *Service) serve(c *call) *apiError {
	p, body, action, e := rpc.Begin(c.r, "ECS", APIVersion)
	c.action = action
	if e != nil {
		return e
	}
	c.p, c.body = params{p}, body
	act, ok := actions[c.action]
	if !ok {
		return rpc.ErrUnknownAction(c.action)
	}
	s.mu.Lock()
	c.region, c.resource = act.target(s.st, c.p)
	s.mu.Unlock()
	log := s.log.WithFields(logrus.Fields{"action": c.action, "request_id": c.id})
	f, faulty := s.cfg.Faults.Match(ServiceName, c.action, c.region+"/"+c.resource)
	if faulty {
		codeOf := func(status int) string { return codeForStatus(status, c.resource) }
		reset, e := rpc.InjectFault(c.w, c.r, f, log, statusForCode, codeOf)
		if reset {
			c.errCode = "ConnectionReset"
		}
		if reset || e != nil {
			return e
		}
	}
	if e := s.authenticate(c); e != nil {
		return e
	}
	resp, e := s.run(c, act)
	if e != nil {
		return e
	}
	if faulty && f.LoseAnswer {
		c.errCode = "AnswerLost"
		rpc.LoseAnswer(c.w, c.r, log)
		return nil
	}
	c.writeJSON(http.StatusOK, resp)
	return nil
}

// run executes the action under the state lock, after releasing expired snapshots, and saves what changed.
func (s *Service) run(c *call, act action) (any, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.now = s.now()
	reaped := s.st.reap(c.now)
	resp, e := act.run(s, c)
	if reaped || c.changed {
		if err := s.st.save(); err != nil {
			return nil, errInternal(err)
		}
	}
	return resp, e
}

// authenticate checks the request's signature and credentials on the wall clock.
func (s *Service) authenticate(c *call) *apiError {
	return rpc.Verifier{Keys: s.cfg.Keys, Now: s.wall}.Authenticate(c.r, c.p.Params, c.body)
}
