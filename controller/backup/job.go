package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/metrics"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/placement"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

// notFoundGrace is how long a job just created may be missing from HBR's listings.
const notFoundGrace = time.Minute

// prepare mounts the volume, readies HBR and creates the job. Once status.hbr.creatingSince is
// written the mount is settled: a job may exist that reads it.
func (s *step) prepare(ctx context.Context) (ctrl.Result, error) {
	if s.fsb.Status.HBR == nil || s.fsb.Status.HBR.CreatingSince == nil {
		if ok, res, err := s.mount(ctx); !ok || err != nil {
			return res, err
		}
		target, err := s.r.registry.Ensure(ctx)
		if err != nil {
			return s.retryOrFail(ctx, "EnsureVaultAndContainerCluster", err)
		}
		since := s.now()
		s.fsb.Status.HBR = &v1alpha1.BackupJob{Vault: v1alpha1.Vault{Region: target.Region, VaultName: target.VaultName, VaultID: target.VaultID},
			ContainerClusterID: target.ContainerClusterID, JobName: v1alpha1.HBRJobName(s.fsb.Spec.Backup.Name, s.fsb.Spec.Claim.UID),
			CreatingSince: &since}
		// Written before the job is created: a job HBR made for an answer that got lost, or before a
		// restart, is then found rather than made twice.
		if err := s.updateStatus(ctx); err != nil {
			return ctrl.Result{}, err
		}
	}
	return s.createJob(ctx)
}

func (s *step) createJob(ctx context.Context) (ctrl.Result, error) {
	spec, err := s.jobSpec(ctx)
	if err != nil {
		return s.fail(ctx, err)
	}
	jobID, err := s.r.hbr.CreateBackupJob(ctx, spec)
	if err != nil {
		return s.retryOrFail(ctx, "CreateBackupJob", err)
	}
	s.fsb.Status.HBR.JobID = jobID
	s.fsb.Status.Phase = v1alpha1.PhaseInProgress
	s.condition(v1alpha1.ConditionJobCreated, metav1.ConditionTrue, "Created", "HBR job "+jobID)
	if err := s.updateStatus(ctx); err != nil {
		return ctrl.Result{}, err
	}
	s.event(corev1.EventTypeNormal, "JobCreated", "HBR backup job %s (%s) reads %s on node %s", jobID, spec.Name, spec.Volume.NodePath, s.fsb.Status.Node)
	return s.again(), nil
}

// jobSpec is the HBR job of the record: the volume's directory under the mounting pod on its node.
func (s *step) jobSpec(ctx context.Context) (hbr.BackupJobSpec, error) {
	st, sp := s.fsb.Status, s.fsb.Spec
	var node corev1.Node
	if err := s.r.client.Get(ctx, types.NamespacedName{Name: st.Node}, &node); err != nil {
		return hbr.BackupJobSpec{}, fmt.Errorf("read node %s: %w", st.Node, err)
	}
	ip := placement.InternalIP(node)
	if ip == "" {
		return hbr.BackupJobSpec{}, fmt.Errorf("node %s has no InternalIP address for HBR's agent", st.Node)
	}
	dir, err := kubelet.PodVolumeDir(s.r.env.PodsDir, st.Pod.UID, sp.Volume.Source, sp.Volume.Driver, sp.Volume.Name)
	if err != nil {
		return hbr.BackupJobSpec{}, err
	}
	pvUID := sp.Volume.UID
	if pvUID == "" {
		pvUID = sp.Claim.UID // HBR wants an ID for the resource; the claim's is as stable
	}
	return hbr.BackupJobSpec{Region: st.HBR.Region, VaultID: st.HBR.VaultID, ContainerClusterID: st.HBR.ContainerClusterID,
		Name: st.HBR.JobName, RetentionDays: sp.RetentionDays(), Since: st.HBR.CreatingSince.Time,
		Volume: hbr.Volume{PVName: sp.Volume.Name, PVUID: string(pvUID), PVCName: sp.Claim.Name, Namespace: sp.Claim.Namespace,
			StorageClass: sp.Volume.StorageClassName, Size: sp.Volume.Capacity.String(), NodeIP: ip, NodePath: dir}}, nil
}

// poll follows the job: progress while it runs, the snapshot when it is done.
func (s *step) poll(ctx context.Context) (ctrl.Result, error) {
	h := s.fsb.Status.HBR
	if h == nil || h.JobID == "" {
		return s.fail(ctx, fmt.Errorf("FilesystemBackup %s is %s without an HBR job", s.fsb.Name, s.fsb.Status.Phase))
	}
	job, err := s.r.hbr.DescribeBackupJob(ctx, h.Region, h.JobID)
	if errors.Is(err, cloud.ErrNotFound) && h.CreatingSince != nil && s.r.env.Clock.Since(h.CreatingSince.Time) < notFoundGrace {
		return s.again(), nil
	}
	if err != nil {
		return s.retryOrFail(ctx, "DescribeBackupJob", err)
	}
	old := s.fsb.Status.Progress
	s.fsb.Status.Progress = v1alpha1.Progress{BytesDone: job.BytesDone, BytesTotal: job.BytesTotal, ActualBytes: job.ActualBytes,
		Percent: v1alpha1.Percent(int32(job.Progress))}
	switch job.Status {
	case hbr.StatusComplete, hbr.StatusPartialComplete:
		snaps, err := s.r.hbr.JobSnapshots(ctx, h.Region, h.VaultID, h.JobID)
		if err != nil {
			return s.retryOrFail(ctx, "SearchHistoricalSnapshots", err)
		}
		if len(snaps) == 0 {
			return s.again(), s.updateStatus(ctx) // HBR lists the snapshot a moment after the job ends
		}
		h.SnapshotID, h.SnapshotHash = snaps[0].ID, snaps[0].Hash
		if job.Status == hbr.StatusPartialComplete {
			return s.end(ctx, v1alpha1.PhasePartiallyFailed, job.Err().Error())
		}
		return s.end(ctx, v1alpha1.PhaseCompleted, "")
	case hbr.StatusCanceled:
		if s.fsb.Spec.Cancel {
			return s.end(ctx, v1alpha1.PhaseCanceled, "canceled on request")
		}
		return s.fail(ctx, job.Err())
	}
	if job.Status.Terminal() {
		return s.fail(ctx, job.Err())
	}
	if s.fsb.Status.Progress == old {
		return s.again(), nil
	}
	return s.again(), s.updateStatus(ctx)
}

// cancel stops the job of a record whose spec.cancel is set, or ends the record when there is none.
func (s *step) cancel(ctx context.Context) (ctrl.Result, error) {
	h := s.fsb.Status.HBR
	if s.fsb.Status.Phase == v1alpha1.PhaseCanceling {
		return s.poll(ctx)
	}
	if h != nil && h.JobID == "" && h.CreatingSince != nil {
		// A job may exist whose ID was never written down.
		job, err := s.r.hbr.FindBackupJob(ctx, h.Region, h.VaultID, h.JobName, h.CreatingSince.Time)
		switch {
		case err == nil:
			h.JobID = job.ID
		case !errors.Is(err, cloud.ErrNotFound):
			return s.retryOrFail(ctx, "DescribeBackupJobs2", err)
		}
	}
	if h == nil || h.JobID == "" {
		return s.end(ctx, v1alpha1.PhaseCanceled, "canceled before an HBR job was created")
	}
	if err := s.r.hbr.CancelBackupJob(ctx, h.Region, h.VaultID, h.JobID); err != nil {
		metrics.HBRError("CancelBackupJob", err)
		if transient(err) {
			return s.again(), nil
		}
		// Most often the job ended meanwhile; polling tells how.
		s.log.WithError(err).Info("HBR did not cancel the job; following it to its end")
	}
	s.fsb.Status.Phase = v1alpha1.PhaseCanceling
	if err := s.updateStatus(ctx); err != nil {
		return ctrl.Result{}, err
	}
	s.event(corev1.EventTypeNormal, "Canceling", "asked HBR to cancel job %s", h.JobID)
	return s.again(), nil
}
