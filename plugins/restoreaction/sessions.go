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

// readTimeout bounds the reads a pipeline is built from.
const readTimeout = time.Minute

// maxSessions bounds the pipelines kept: velero server starts a plugin process per restore, so more
// than one is rare, but nothing should grow without bound.
const maxSessions = 8

// Sessions builds each restore's pipeline once, from its configuration and the target cluster as they
// are when the restore starts, and shares it between our actions: a configuration edited half-way
// through a restore does not change it half-way.
type Sessions struct {
	reader Reader
	log    logrus.FieldLogger

	mu       sync.Mutex
	sessions map[types.UID]*session
	order    []types.UID
}

type session struct {
	once     sync.Once
	pipeline transform.Pipeline
	err      error
}

// NewSessions returns Sessions reading through reader.
func NewSessions(reader Reader, log logrus.FieldLogger) *Sessions {
	return &Sessions{reader: reader, log: log, sessions: map[types.UID]*session{}}
}

// Check validates the configuration of the restore Velero is starting. Velero asks every action which
// items it applies to once, before restoring any item, and a failure there ends the restore with our
// error and nothing restored: that is how an invalid configuration fails a restore at its start.
// Velero runs one restore at a time; should it ever run several, the check is left to each item.
func (s *Sessions) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	restores, err := s.reader.InProgressRestores(ctx)
	if err != nil {
		// Not knowing which restore this is must not fail it: the items still get their pipeline.
		s.log.WithError(err).Warn("cannot list restores in progress; configuration is checked on the first item")
		return nil
	}
	if len(restores) != 1 {
		s.log.WithField("restores", len(restores)).Debug("not exactly one restore in progress; configuration is checked on the first item")
		return nil
	}
	_, err = s.Pipeline(ctx, &restores[0])
	return err
}

// Pipeline returns the restore's pipeline, building it on first use.
func (s *Sessions) Pipeline(ctx context.Context, restore *velerov1.Restore) (transform.Pipeline, error) {
	ss := s.session(restore.UID)
	ss.once.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, readTimeout)
		defer cancel()
		ss.pipeline, ss.err = s.build(ctx, restore)
		if ss.err != nil {
			s.log.WithField("restore", restore.Name).WithError(ss.err).Error("restore configuration refused")
		}
	})
	return ss.pipeline, ss.err
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

func (s *Sessions) build(ctx context.Context, restore *velerov1.Restore) (transform.Pipeline, error) {
	global, err := s.reader.GlobalConfig(ctx)
	if err != nil {
		return nil, err
	}
	var own *restoreconfig.Source
	if name := restore.Labels[restoreconfig.RestoreLabel]; name != "" {
		own, err = s.reader.ConfigMap(ctx, name)
		if errors.Is(err, ErrNoConfigMap) {
			return nil, &restoreconfig.Error{ConfigMap: name, Err: fmt.Errorf(
				"restore %s names it in its %s label, but no such configmap exists in the velero namespace",
				restore.Name, restoreconfig.RestoreLabel)}
		}
		if err != nil {
			return nil, err
		}
	}
	cfg, err := restoreconfig.Load(global, own)
	if err != nil {
		return nil, err
	}
	cluster, err := s.reader.Cluster(ctx)
	if err != nil {
		return nil, fmt.Errorf("read target cluster for restore %s: %w", restore.Name, err)
	}
	preserve := restore.Spec.PreserveNodePorts != nil && *restore.Spec.PreserveNodePorts
	return cfg.Pipeline(cluster, restoreconfig.Restore{PreserveNodePorts: preserve}, transform.NewPVReplacements())
}
