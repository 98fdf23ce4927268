package restore

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// poll copies the HBR job's progress into the record; once HBR is done the volume goes to the target
// claim (rebind), unless the job failed.
func (s *step) poll(ctx context.Context) (ctrl.Result, error) {
	job, err := s.describe(ctx)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return s.finish(ctx, v1alpha1.PhaseFailed, err.Error())
	case err != nil:
		return s.hbrFailed(ctx, "DescribeRestoreJobs2", err)
	}
	st := &s.rec.Status
	before := st.Progress
	st.Progress = v1alpha1.Progress{BytesDone: job.BytesDone, BytesTotal: job.BytesTotal, Percent: v1alpha1.Percent(int32(job.Progress))}
	switch job.Status {
	case hbr.StatusComplete:
		s.setCondition(v1alpha1.ConditionVolumeBound, metav1.ConditionFalse, reasonRebinding, "binding the restored volume to the claim")
	case hbr.StatusPartialComplete:
		// Most files are in: the claim gets them, and the record ends PartiallyFailed with HBR's words,
		// which the condition keeps until then.
		s.setCondition(v1alpha1.ConditionVolumeBound, metav1.ConditionFalse, reasonRebindingPartial, job.Err().Error())
	default:
		if job.Status.Terminal() {
			return s.finish(ctx, v1alpha1.PhaseFailed, job.Err().Error())
		}
		if st.Progress != before {
			if err := s.save(ctx); err != nil {
				return ctrl.Result{}, err
			}
		}
		return ctrl.Result{RequeueAfter: s.r.resync()}, nil
	}
	s.event(corev1.EventTypeNormal, "DataRestored", "HBR restore job %s ended %s", job.ID, job.Status)
	if err := s.save(ctx); err != nil {
		return ctrl.Result{}, err
	}
	return s.rebind(ctx)
}

func (s *step) describe(ctx context.Context) (*hbr.RestoreJob, error) {
	client, err := s.r.hbrClient()
	if err != nil {
		return nil, err
	}
	src, st := s.rec.Spec.Source, s.rec.Status
	return client.DescribeRestoreJob(ctx, src.Region, src.VaultID, st.HBR.RestoreID)
}

// cancel stops the HBR job, if there is one, and ends the record Canceled once HBR says it stopped.
func (s *step) cancel(ctx context.Context) (ctrl.Result, error) {
	st := &s.rec.Status
	if st.HBR != nil && st.HBR.RestoreID == "" && st.HBR.CreatingSince != nil {
		// The job may have been created by an attempt whose answer was lost.
		if id, err := s.findJob(ctx); err != nil {
			return s.hbrFailed(ctx, "DescribeRestoreJobs2", err)
		} else if id != "" {
			st.HBR.RestoreID = id
		}
	}
	if st.HBR == nil || st.HBR.RestoreID == "" {
		return s.finish(ctx, v1alpha1.PhaseCanceled, "canceled before HBR started")
	}
	job, err := s.describe(ctx)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return s.finish(ctx, v1alpha1.PhaseCanceled, "canceled")
	case err != nil:
		return s.hbrFailed(ctx, "DescribeRestoreJobs2", err)
	case job.Status.Terminal():
		return s.finish(ctx, v1alpha1.PhaseCanceled, "canceled")
	case st.Phase == v1alpha1.PhaseCanceling:
		return ctrl.Result{RequeueAfter: s.r.resync()}, nil
	}
	client, err := s.r.hbrClient()
	if err != nil {
		return ctrl.Result{}, err
	}
	if err := client.CancelRestoreJob(ctx, s.rec.Spec.Source.Region, s.rec.Spec.Source.VaultID, job.ID); err != nil {
		return s.hbrFailed(ctx, "CancelRestoreJob", err)
	}
	st.Phase, st.Message = v1alpha1.PhaseCanceling, "HBR asked to stop job "+job.ID
	s.event(corev1.EventTypeNormal, "Canceling", "HBR asked to stop restore job %s", job.ID)
	if err := s.save(ctx); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: s.r.resync()}, nil
}

// findJob returns the ID of the job an earlier attempt made, "" when there is none.
func (s *step) findJob(ctx context.Context) (string, error) {
	path, err := s.targetPath(ctx)
	if err != nil {
		// No pod or volume yet: no attempt can have created a job.
		return "", nil
	}
	client, err := s.r.hbrClient()
	if err != nil {
		return "", err
	}
	src, st := s.rec.Spec.Source, s.rec.Status
	job, err := client.FindRestoreJob(ctx, hbr.RestoreJobSpec{Region: src.Region, VaultID: src.VaultID, SnapshotID: src.SnapshotID,
		TargetContainerClusterID: st.HBR.ContainerClusterID, TargetNode: st.Node, TargetPath: path, Since: st.HBR.CreatingSince.Time})
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("find the restore job of filesystemrestore %s: %w", s.rec.Name, err)
	}
	return job.ID, nil
}
