package restore

import (
	"context"
	"errors"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/metrics"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// Messages in ACK Backup Center's words.
const (
	msgResourcesTimeout = "create cluster resources timeout"
	msgCrossRegion      = "only disk type PVs support cross-region restore in current version"
)

// Condition reasons.
const (
	reasonWaiting        = "Waiting"
	reasonNoEligibleNode = "NoEligibleNode"
	reasonMounted        = "Mounted"
	reasonCreated        = "Created"
	// reasonRebinding and reasonRebindingPartial: HBR is done (COMPLETE, PARTIAL_COMPLETE) and the
	// volume is on its way to the target claim; the reason keeps which end the record will reach.
	reasonRebinding        = "Rebinding"
	reasonRebindingPartial = "RebindingPartial"
	reasonBound            = "Bound"
)

// step is one reconcile of one record.
type step struct {
	r   *Reconciler
	rec *v1alpha1.FilesystemRestore
	log logrus.FieldLogger
}

func (s *step) run(ctx context.Context) (ctrl.Result, error) {
	st := &s.rec.Status
	switch {
	case st.Phase.IsTerminal():
		// Again on every look: a cleanup a restart interrupted is finished here.
		return ctrl.Result{}, s.cleanup(ctx)
	case s.rec.Spec.Cancel || st.Phase == v1alpha1.PhaseCanceling:
		return s.cancel(ctx)
	case st.Phase == "" || st.Phase == v1alpha1.PhaseNew:
		now := metav1.NewTime(s.r.now())
		st.Phase, st.StartTimestamp = v1alpha1.PhasePreparing, &now
		s.event(corev1.EventTypeNormal, "Preparing", "restoring the files of snapshot %s into claim %s/%s",
			s.rec.Spec.Source.SnapshotID, s.rec.Spec.Target.Claim.Namespace, s.rec.Spec.Target.Claim.Name)
		return ctrl.Result{Requeue: true}, s.save(ctx)
	case st.Phase == v1alpha1.PhasePreparing:
		return s.prepare(ctx)
	case meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionVolumeBound) != nil:
		return s.rebind(ctx)
	default:
		return s.poll(ctx)
	}
}

// save writes the record's status.
func (s *step) save(ctx context.Context) error {
	return s.r.Client.Status().Update(ctx, s.rec)
}

// wait notes why the record cannot go on yet and looks again after the resync period. The status is
// written only when the reason changes.
func (s *step) wait(ctx context.Context, condition, reason, message string) (ctrl.Result, error) {
	before := s.rec.Status.DeepCopy()
	s.rec.Status.Message = message
	if condition != "" {
		s.setCondition(condition, metav1.ConditionFalse, reason, message)
	}
	if !equality.Semantic.DeepEqual(before, &s.rec.Status) {
		s.log.WithField("reason", reason).Info(message)
		if err := s.save(ctx); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{RequeueAfter: s.r.resync()}, nil
}

func (s *step) setCondition(typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&s.rec.Status.Conditions, metav1.Condition{Type: typ, Status: status, Reason: reason,
		Message: message, ObservedGeneration: s.rec.Generation, LastTransitionTime: metav1.NewTime(s.r.now())})
}

// finish ends the record in a terminal phase, then removes what the restore no longer needs.
func (s *step) finish(ctx context.Context, phase v1alpha1.Phase, message string) (ctrl.Result, error) {
	st := &s.rec.Status
	now := metav1.NewTime(s.r.now())
	st.Phase, st.Message, st.CompletionTimestamp = phase, message, &now
	if err := s.save(ctx); err != nil {
		return ctrl.Result{}, err
	}
	kind, reason := corev1.EventTypeNormal, string(phase)
	if !phase.IsSuccess() {
		kind = corev1.EventTypeWarning
	}
	if message == "" {
		message = "restore of the files " + string(phase)
	}
	s.event(kind, reason, "%s", message)
	s.log.WithField("phase", phase).Info(message)
	var took time.Duration
	if st.StartTimestamp != nil {
		took = now.Sub(st.StartTimestamp.Time)
	}
	metrics.Jobs.WithLabelValues(metrics.KindRestore, string(phase)).Inc()
	metrics.Bytes.WithLabelValues(metrics.KindRestore).Add(float64(st.Progress.BytesDone))
	if took > 0 {
		metrics.Duration.WithLabelValues(metrics.KindRestore).Observe(took.Seconds())
	}
	return ctrl.Result{}, s.cleanup(ctx)
}

func (s *step) event(kind, reason, format string, args ...any) {
	if s.r.Recorder != nil {
		s.r.Recorder.Eventf(s.rec, kind, reason, format, args...)
	}
}

// timedOut reports whether since is more than ResourcesTimeout ago.
func (s *step) timedOut(since *metav1.Time) bool {
	return since != nil && s.r.now().Sub(since.Time) > ResourcesTimeout
}

// retryable reports whether an HBR call may succeed later as it is: throttled or HBR unreachable.
func retryable(err error) bool {
	return errors.Is(err, cloud.ErrThrottled) || errors.Is(err, cloud.ErrUnavailable)
}

// hbrFailed counts an HBR error and decides: wait and retry, or fail the record with the error's words
// (ACK's first, as pkg/cloud/hbr writes them).
func (s *step) hbrFailed(ctx context.Context, op string, err error) (ctrl.Result, error) {
	metrics.HBRError(op, err)
	if retryable(err) {
		s.log.WithError(err).WithField("operation", op).Warn("HBR call failed, retrying")
		return s.wait(ctx, "", reasonWaiting, err.Error())
	}
	return s.finish(ctx, v1alpha1.PhaseFailed, err.Error())
}
