// Package datalocations keeps the data locations of Velero Backups current in every cluster: for a
// Backup carrying csdr.io/data-locations (written by the source cluster's object store when the backup
// ended, and synced with the Backup to every cluster that reads the vault), it asks ECS and Cloud
// Backup once a period whether each snapshot still exists, and writes State and CheckedAt back, so
// `velero backup describe` says whether a restore of each volume can still find its data.
package datalocations

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/env"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// DefaultPeriod is how often a Backup's locations are checked: snapshots go away by a user's hand or
// their retention, rarely, and each check costs one cloud call per volume.
const DefaultPeriod = time.Hour

// Reconciler checks the data locations of the Backups in env.Namespace.
type Reconciler struct {
	client  client.Client
	env     env.Env
	period  time.Duration
	log     logrus.FieldLogger
	clients *clients
}

// New builds the reconciler; c reads Backups (the manager's cache) and patches them. period must be
// positive: a zero period is the reconciler switched off, which app decides.
func New(e env.Env, c client.Client, period time.Duration) (*Reconciler, error) {
	if period <= 0 {
		return nil, fmt.Errorf("data locations: period %s is not positive", period)
	}
	return &Reconciler{client: c, env: e, period: period, log: e.Log.WithField("reconciler", "datalocations"),
		clients: &clients{newECS: e.NewECS, newHBR: e.NewHBR}}, nil
}

// Reconcile checks a Backup's locations when the oldest check is a period old, and comes back when the
// next one is due. A Backup without the annotation costs nothing.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var b velerov1.Backup
	if err := r.client.Get(ctx, req.NamespacedName, &b); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	raw, ok := b.Annotations[v1alpha1.DataLocationsAnnotation]
	if !ok || !b.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, nil
	}
	log := r.log.WithField("backup", b.Name)
	locs, err := datalocation.Decode(raw)
	if err != nil {
		// Nothing to check until whoever wrote it writes it again, which brings the Backup back here.
		log.WithError(err).Warn("the backup's data locations cannot be read; they are not checked")
		return ctrl.Result{}, nil
	}
	if len(locs) == 0 {
		return ctrl.Result{}, nil
	}
	now := r.env.Clock.Now()
	if wait := r.untilDue(locs, now); wait > 0 {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	checked := make([]datalocation.Location, len(locs))
	for i, l := range locs {
		checked[i] = r.check(ctx, log, l, now)
		if checked[i].State != l.State {
			log.WithFields(logrus.Fields{"volume": l.Volume, "kind": l.Kind, "id": l.ID, "region": l.Region,
				"was": l.State, "now": checked[i].State, "reason": checked[i].Message}).Info("a volume's data location changed state")
		}
	}
	value, err := datalocation.Encode(checked)
	if err != nil {
		return ctrl.Result{}, err
	}
	if value != raw {
		if err := r.patch(ctx, &b, value); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: r.period}, nil
}

// untilDue is how long until the oldest check is a period old; a location never checked is due now.
func (r *Reconciler) untilDue(locs []datalocation.Location, now time.Time) time.Duration {
	var oldest *time.Time
	for _, l := range locs {
		if l.CheckedAt == nil {
			return 0
		}
		if oldest == nil || l.CheckedAt.Before(*oldest) {
			oldest = l.CheckedAt
		}
	}
	return oldest.Add(r.period).Sub(now)
}

// patch writes the annotation alone (a merge patch), so nothing Velero writes to the Backup meanwhile
// is overwritten. No resourceVersion goes with it: the only other writer of the annotation, the source
// cluster's object store, writes it when the backup ends, checked at that moment, so not due here.
func (r *Reconciler) patch(ctx context.Context, b *velerov1.Backup, value string) error {
	body, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{v1alpha1.DataLocationsAnnotation: value}}})
	if err != nil {
		return err
	}
	err = r.client.Patch(ctx, b, client.RawPatch(types.MergePatchType, body))
	if apierrors.IsNotFound(err) {
		return nil // deleted meanwhile
	}
	if err != nil {
		return fmt.Errorf("patch the data locations of backup %s/%s: %w", b.Namespace, b.Name, err)
	}
	return nil
}
