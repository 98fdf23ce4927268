// Package backup is the FilesystemBackup reconciler: it mounts a claim's volume on a node HBR's agent
// may use, has HBR back its files up, follows the job to its snapshot, and deletes the snapshot when
// the Velero backup that owns the record is deleted.
package backup

import (
	"context"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/env"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/hbrsetup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/metrics"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/placement"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// Reconciler reconciles the FilesystemBackups of env.Namespace.
type Reconciler struct {
	client client.Client
	// config reads the csdr-config ConfigMap past the cache: the controller watches no ConfigMaps.
	config        client.Reader
	env           env.Env
	registry      *hbrsetup.Registry
	hbr           hbr.Client
	events        record.EventRecorder
	mountPodImage string
	log           logrus.FieldLogger
	nodes         *nodeLocks
	ignored       placement.IgnoredLog
}

// Config is what New needs beside the environment.
type Config struct {
	Client        client.Client
	ConfigReader  client.Reader
	Registry      *hbrsetup.Registry
	Events        record.EventRecorder
	MountPodImage string
}

// New builds the reconciler and its HBR client.
func New(e env.Env, cfg Config) (*Reconciler, error) {
	h, err := e.NewHBR()
	if err != nil {
		return nil, fmt.Errorf("hbr client for the backup reconciler: %w", err)
	}
	return &Reconciler{client: cfg.Client, config: cfg.ConfigReader, env: e, registry: cfg.Registry, hbr: h,
		events: cfg.Events, mountPodImage: cfg.MountPodImage, log: e.Log.WithField("reconciler", "filesystembackup"),
		nodes: newNodeLocks()}, nil
}

// +kubebuilder:rbac:groups=csdr.io,resources=filesystembackups,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=csdr.io,resources=filesystembackups/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=csdr.io,resources=filesystembackups/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;create;delete
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;create;update
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Reconcile moves one record a step on; it returns to poll HBR every ResyncPeriod.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if req.Namespace != r.env.Namespace {
		return ctrl.Result{}, nil
	}
	var fsb v1alpha1.FilesystemBackup
	if err := r.client.Get(ctx, req.NamespacedName, &fsb); err != nil {
		if apierrors.IsNotFound(err) {
			r.nodes.release(req.Name)
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	log := r.log.WithFields(logrus.Fields{"record": fsb.Name, "claim": fsb.Spec.Claim.Namespace + "/" + fsb.Spec.Claim.Name, "phase": fsb.Status.Phase})
	s := &step{r: r, fsb: &fsb, log: log}
	switch {
	case !fsb.DeletionTimestamp.IsZero():
		return s.finalize(ctx)
	case fsb.Status.Phase.IsTerminal():
		return ctrl.Result{}, s.cleanUp(ctx)
	case fsb.Spec.Cancel:
		return s.cancel(ctx)
	}
	switch fsb.Status.Phase {
	case "", v1alpha1.PhaseNew:
		return s.start(ctx)
	case v1alpha1.PhasePreparing:
		return s.prepare(ctx)
	default:
		return s.poll(ctx)
	}
}

// step is one reconcile of one record.
type step struct {
	r   *Reconciler
	fsb *v1alpha1.FilesystemBackup
	log logrus.FieldLogger
}

func (s *step) now() metav1.Time { return metav1.NewTime(s.r.env.Clock.Now()) }

func (s *step) again() ctrl.Result { return ctrl.Result{RequeueAfter: s.r.env.ResyncPeriod} }

func (s *step) event(kind, reason, msgFmt string, args ...any) {
	s.r.events.Eventf(s.fsb, kind, reason, msgFmt, args...)
}

func (s *step) updateStatus(ctx context.Context) error {
	if err := s.r.client.Status().Update(ctx, s.fsb); err != nil {
		return fmt.Errorf("update status of FilesystemBackup %s/%s: %w", s.fsb.Namespace, s.fsb.Name, err)
	}
	return nil
}

func (s *step) condition(kind string, status metav1.ConditionStatus, reason, msg string) {
	meta.SetStatusCondition(&s.fsb.Status.Conditions, metav1.Condition{Type: kind, Status: status, Reason: reason,
		Message: msg, ObservedGeneration: s.fsb.Generation})
}

// start takes a new record on: the finalizer first, so that no job is created that a deletion could
// leave behind, then Preparing.
func (s *step) start(ctx context.Context) (ctrl.Result, error) {
	if controllerutil.AddFinalizer(s.fsb, v1alpha1.SnapshotFinalizer) {
		if err := s.r.client.Update(ctx, s.fsb); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer to FilesystemBackup %s/%s: %w", s.fsb.Namespace, s.fsb.Name, err)
		}
	}
	now := s.now()
	s.fsb.Status.Phase = v1alpha1.PhasePreparing
	s.fsb.Status.StartTimestamp = &now
	if err := s.updateStatus(ctx); err != nil {
		return ctrl.Result{}, err
	}
	s.event(corev1.EventTypeNormal, "Preparing", "backing up claim %s/%s through HBR", s.fsb.Spec.Claim.Namespace, s.fsb.Spec.Claim.Name)
	return ctrl.Result{Requeue: true}, nil
}

// end makes the record terminal, counts it, and lets go of its node and temporary pod.
func (s *step) end(ctx context.Context, phase v1alpha1.Phase, msg string) (ctrl.Result, error) {
	now := s.now()
	st := &s.fsb.Status
	st.Phase, st.Message, st.CompletionTimestamp = phase, msg, &now
	if err := s.updateStatus(ctx); err != nil {
		return ctrl.Result{}, err
	}
	metrics.Jobs.WithLabelValues(metrics.KindBackup, string(phase)).Inc()
	metrics.Bytes.WithLabelValues(metrics.KindBackup).Add(float64(st.Progress.BytesDone))
	if st.StartTimestamp != nil {
		metrics.Duration.WithLabelValues(metrics.KindBackup).Observe(now.Sub(st.StartTimestamp.Time).Seconds())
	}
	kind := corev1.EventTypeNormal
	if !phase.IsSuccess() && phase != v1alpha1.PhaseCanceled {
		kind = corev1.EventTypeWarning
	}
	text := string(phase)
	if msg != "" {
		text += ": " + msg
	}
	s.event(kind, string(phase), "%s", text)
	s.log.WithField("result", phase).Info(text)
	return ctrl.Result{}, s.cleanUp(ctx)
}

// fail ends the record Failed with err's text, which keeps HBR's and ACK's words first.
func (s *step) fail(ctx context.Context, err error) (ctrl.Result, error) {
	return s.end(ctx, v1alpha1.PhaseFailed, err.Error())
}

// transient tells a failure worth retrying (throttled, unavailable, a deadline) from a final one.
func transient(err error) bool {
	return errors.Is(err, cloud.ErrThrottled) || errors.Is(err, cloud.ErrUnavailable) ||
		errors.Is(err, context.DeadlineExceeded)
}

// retryOrFail retries a transient HBR failure at the resync pace and ends the record on any other.
func (s *step) retryOrFail(ctx context.Context, op string, err error) (ctrl.Result, error) {
	metrics.HBRError(op, err)
	if transient(err) {
		s.log.WithError(err).WithField("operation", op).Warn("HBR call failed; retrying")
		s.event(corev1.EventTypeWarning, "HBRRetry", "%s failed, retrying: %v", op, err)
		return s.again(), nil
	}
	return s.fail(ctx, err)
}
