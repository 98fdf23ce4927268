package restoreaction

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/restoreconfig"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"
)

// readTimeout bounds the reads a pipeline is built from, retries included.
const readTimeout = time.Minute

// maxSessions bounds the pipelines kept: velero server starts a plugin process per restore, so more
// than one is rare, but nothing should grow without bound.
const maxSessions = 8

// DefaultRetryDelays are the pauses between attempts to read what a pipeline is built from when a read
// fails: an API server that hiccups for a second does not fail an item.
var DefaultRetryDelays = []time.Duration{time.Second, 3 * time.Second}

// Sessions builds each restore's pipeline once, from its configuration and the target cluster as they
// are when the restore starts, and shares it between our actions: a configuration edited half-way
// through a restore does not change it half-way. An invalid configuration is final for the restore; a
// read that fails (an API server that times out) is retried, and the next item tries again.
type Sessions struct {
	reader Reader
	log    logrus.FieldLogger
	// RetryDelays are the pauses between attempts at reading; nil means DefaultRetryDelays.
	RetryDelays []time.Duration

	mu       sync.Mutex
	sessions map[types.UID]*session
	order    []types.UID
}

type session struct {
	mu       sync.Mutex
	built    bool
	pipeline transform.Pipeline
	// config is the configuration the pipeline was built from.
	config restoreconfig.Config
	// refused is the restore's invalid configuration, final once found.
	refused error
	// failures counts the items that found the reads failing; the restore log says so on the first.
	failures int
}

// NewSessions returns Sessions reading through reader.
func NewSessions(reader Reader, log logrus.FieldLogger) *Sessions {
	return &Sessions{reader: reader, log: log, sessions: map[types.UID]*session{}}
}

// Check validates the configuration of the restore Velero is starting and returns it. Velero asks
// every action which items it applies to once, before restoring any item, and a failure there ends the
// restore with our error and nothing restored: that is how an invalid configuration fails a restore at
// its start. When the configuration cannot be known (the restores cannot be listed, more than one is in
// progress, the reads fail) Check returns nil and says so in the log: the actions then apply to every
// resource they serve, since Velero asks only once and an item left out could not be helped later,
// and each item builds the pipeline itself. Velero runs one restore at a time; should it ever run
// several, the check is left to each item.
func (s *Sessions) Check(ctx context.Context) (*restoreconfig.Config, error) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	restores, err := s.reader.InProgressRestores(ctx)
	if err != nil {
		// Not knowing which restore this is must not fail it: the items still get their pipeline.
		s.log.WithError(err).Warn("cannot list restores in progress: our restore item actions apply to every resource they serve, and the configuration is checked on the first item")
		return nil, nil
	}
	if len(restores) != 1 {
		s.log.WithField("restores", len(restores)).Warn("not exactly one restore in progress: our restore item actions apply to every resource they serve, and the configuration is checked on the first item")
		return nil, nil
	}
	if _, err = s.Pipeline(ctx, &restores[0]); err != nil {
		if isConfigError(err) {
			return nil, err
		}
		// Pipeline has said why in the log, once for the restore.
		s.log.WithField("restore", restores[0].Name).Warn("the restore configuration cannot be read: our restore item actions apply to every resource they serve")
		return nil, nil
	}
	cfg := s.session(restores[0].UID).builtConfig()
	return &cfg, nil
}

// Pipeline returns the restore's pipeline, building it on first use. An invalid configuration is
// returned to every item; a failed read only to the item that met it.
func (s *Sessions) Pipeline(ctx context.Context, restore *velerov1.Restore) (transform.Pipeline, error) {
	ss := s.session(restore.UID)
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.built || ss.refused != nil {
		return ss.pipeline, ss.refused
	}
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	pipeline, cfg, err := s.buildRetrying(ctx, restore)
	log := s.log.WithField("restore", restore.Name)
	switch {
	case err == nil:
		ss.built, ss.pipeline, ss.config = true, pipeline, cfg
		if ss.failures > 0 {
			log.WithField("failedItems", ss.failures).Info("restore configuration and target cluster read; the rules apply from now on")
		}
		return pipeline, nil
	case isConfigError(err):
		ss.refused = err
		log.WithError(err).Error("restore configuration refused")
		return nil, err
	}
	ss.failures++
	err = fmt.Errorf("restore %s: cannot read its configuration or the target cluster: %w", restore.Name, err)
	if ss.failures == 1 {
		log.WithError(err).Error("the restore rules cannot be built; every item of this restore fails until the reads succeed, and each item tries again")
	} else {
		log.WithError(err).WithField("failedItems", ss.failures).Debug("reads still failing")
	}
	return nil, err
}

func isConfigError(err error) bool {
	var cfg *restoreconfig.Error
	return errors.As(err, &cfg)
}

// buildRetrying builds the pipeline, trying the reads again after a failure; a configuration error is
// not retried.
func (s *Sessions) buildRetrying(ctx context.Context, restore *velerov1.Restore) (transform.Pipeline, restoreconfig.Config, error) {
	delays := s.RetryDelays
	if delays == nil {
		delays = DefaultRetryDelays
	}
	for attempt := 0; ; attempt++ {
		pipeline, cfg, err := s.build(ctx, restore)
		if err == nil || isConfigError(err) || attempt == len(delays) {
			return pipeline, cfg, err
		}
		s.log.WithField("restore", restore.Name).WithError(err).Debug("reading for the restore rules failed; trying again")
		select {
		case <-ctx.Done():
			return nil, restoreconfig.Config{}, errors.Join(err, ctx.Err())
		case <-time.After(delays[attempt]):
		}
	}
}

// builtConfig returns the configuration the session's pipeline was built from.
func (ss *session) builtConfig() restoreconfig.Config {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.config
}

func (s *Sessions) session(uid types.UID) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss, ok := s.sessions[uid]; ok {
		return ss
	}
	if len(s.order) == maxSessions {
		delete(s.sessions, s.order[0])
		s.order = s.order[1:]
	}
	ss := &session{}
	s.sessions[uid] = ss
	s.order = append(s.order, uid)
	return ss
}

func (s *Sessions) build(ctx context.Context, restore *velerov1.Restore) (transform.Pipeline, restoreconfig.Config, error) {
	var none restoreconfig.Config
	global, err := s.reader.GlobalConfig(ctx)
	if err != nil {
		return nil, none, err
	}
	var own *restoreconfig.Source
	if name := restore.Labels[restoreconfig.RestoreLabel]; name != "" {
		own, err = s.reader.ConfigMap(ctx, name)
		if errors.Is(err, ErrNoConfigMap) {
			return nil, none, &restoreconfig.Error{ConfigMap: name, Err: fmt.Errorf(
				"restore %s names it in its %s label, but no such configmap exists in the velero namespace",
				restore.Name, restoreconfig.RestoreLabel)}
		}
		if err != nil {
			return nil, none, err
		}
	}
	cfg, err := restoreconfig.Load(global, own)
	if err != nil {
		return nil, none, err
	}
	cluster, err := s.reader.Cluster(ctx)
	if err != nil {
		return nil, none, fmt.Errorf("read target cluster: %w", err)
	}
	preserve := restore.Spec.PreserveNodePorts != nil && *restore.Spec.PreserveNodePorts
	pipeline, err := cfg.Pipeline(cluster, restoreconfig.Restore{PreserveNodePorts: preserve}, transform.NewPVReplacements())
	return pipeline, cfg, err
}
