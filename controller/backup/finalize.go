package backup

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/metrics"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// finalize lets a record go: its job stopped, its snapshot deleted when the delete item action asked
// for it (a Velero backup deletion; a record deleted otherwise leaves the snapshot to its retention)
// and this cluster made the record, its temporary pod gone. HBR failures that retrying cannot mend (the vault deleted, access denied)
// are reported and do not keep the record.
func (s *step) finalize(ctx context.Context) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(s.fsb, v1alpha1.SnapshotFinalizer) {
		return ctrl.Result{}, s.cleanUp(ctx)
	}
	h := s.fsb.Status.HBR
	running := s.fsb.Status.Phase == v1alpha1.PhaseInProgress || s.fsb.Status.Phase == v1alpha1.PhaseCanceling
	if h != nil && h.JobID == "" && h.CreatingSince != nil && !s.fsb.Status.Phase.IsTerminal() {
		// A job may run whose ID was never written down (a restart right after CreateBackupJob).
		job, err := s.r.hbr.FindBackupJob(ctx, h.Region, h.VaultID, h.JobName, h.CreatingSince.Time)
		switch {
		case err == nil:
			h.JobID, running = job.ID, !job.Status.Terminal()
		case transient(err):
			metrics.HBRError("DescribeBackupJobs2", err)
			return s.again(), nil
		}
	}
	if h != nil && h.JobID != "" && running {
		if err := s.r.hbr.CancelBackupJob(ctx, h.Region, h.VaultID, h.JobID); err != nil {
			metrics.HBRError("CancelBackupJob", err)
			if transient(err) {
				return s.again(), nil
			}
			s.log.WithError(err).Info("HBR did not cancel the job of a deleted record")
		} else {
			s.event(corev1.EventTypeNormal, "Canceling", "record deleted: asked HBR to cancel job %s", h.JobID)
		}
	}
	if h != nil && h.SnapshotID != "" && s.fsb.Annotations[v1alpha1.DeleteSnapshotAnnotation] == "true" {
		if retry := s.deleteSnapshot(ctx, h); retry {
			return s.again(), nil
		}
	}
	if err := s.cleanUp(ctx); err != nil {
		return ctrl.Result{}, err
	}
	controllerutil.RemoveFinalizer(s.fsb, v1alpha1.SnapshotFinalizer)
	if err := s.r.client.Update(ctx, s.fsb); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, fmt.Errorf("remove finalizer of FilesystemBackup %s/%s: %w", s.fsb.Namespace, s.fsb.Name, err)
	}
	return ctrl.Result{}, nil
}

// deleteSnapshot deletes the record's HBR snapshot when this cluster made the record: its source
// label is empty (made before clusters shared vaults) or this cluster's identity. Another cluster's
// snapshot is kept for it: the backup goes from this cluster only, and its source can still restore
// it. retry is true after a failure that may pass.
func (s *step) deleteSnapshot(ctx context.Context, h *v1alpha1.BackupJob) (retry bool) {
	log := s.log.WithFields(logrus.Fields{"snapshot": h.SnapshotID, "vault": h.VaultID})
	if source := s.fsb.Labels[v1alpha1.SourceClusterKey]; source != "" && source != s.r.env.Identity {
		s.event(corev1.EventTypeNormal, "SnapshotKept", "HBR snapshot %s of vault %s was made by cluster %s: kept for it", h.SnapshotID, h.VaultID, source)
		log.WithFields(logrus.Fields{"sourceCluster": source, "cluster": s.r.env.Identity}).
			Info("HBR snapshot was made by another cluster: kept for it")
		return false
	}
	if err := s.r.hbr.DeleteSnapshot(ctx, h.Region, h.VaultID, h.SnapshotID); err != nil {
		metrics.HBRError("DeleteSnapshot", err)
		if transient(err) {
			log.WithError(err).Warn("deleting the HBR snapshot failed; retrying")
			return true
		}
		s.event(corev1.EventTypeWarning, "SnapshotDeleteFailed", "HBR snapshot %s of vault %s is left to its retention: %v", h.SnapshotID, h.VaultID, err)
		log.WithError(err).Warn("HBR snapshot not deleted; it goes when its retention runs out")
		return false
	}
	s.event(corev1.EventTypeNormal, "SnapshotDeleted", "deleted HBR snapshot %s of vault %s", h.SnapshotID, h.VaultID)
	log.Info("HBR snapshot deleted")
	return false
}

// cleanUp deletes the record's temporary pod, if any, and lets go of its node. It looks the pod up by
// name, so that a pod created just before a crash, and never written into the status, goes too.
func (s *step) cleanUp(ctx context.Context) error {
	s.r.nodes.release(s.fsb.Name)
	ns, name := s.fsb.Spec.Claim.Namespace, MountPodName(s.fsb.Name)
	var pod corev1.Pod
	if err := s.r.client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &pod); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("read temporary pod %s/%s: %w", ns, name, err)
	}
	if pod.Labels[v1alpha1.TemporaryForLabel] != s.fsb.Name || pod.DeletionTimestamp != nil {
		return nil
	}
	if err := s.r.client.Delete(ctx, &pod); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete temporary pod %s/%s: %w", ns, name, err)
	}
	s.event(corev1.EventTypeNormal, "MountPodDeleted", "deleted temporary pod %s/%s", ns, name)
	return nil
}
