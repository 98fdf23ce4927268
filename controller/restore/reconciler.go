// Package restore is the csdr-controller's reconciler of FilesystemRestores: it restores one claim's
// files from an HBR snapshot into a temporary claim, then hands the filled volume to the claim Velero
// restored, which waits Pending for it (its selector matches only that volume).
package restore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/env"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/hbrsetup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// ResourcesTimeout bounds how long the temporary claim and pod, and the target claim, may take: ACK
// Backup Center gives up after it with "create cluster resources timeout".
const ResourcesTimeout = 10 * time.Minute

// Registration makes sure the region's vault and the cluster's HBR registration exist
// (*hbrsetup.Registry).
type Registration interface {
	Ensure(ctx context.Context) (hbrsetup.Target, error)
}

// Reconciler reconciles the FilesystemRestores of env.Namespace.
type Reconciler struct {
	Client client.Client
	// ConfigReader reads the csdr-config ConfigMap (the node policy) past the cache: the controller
	// watches no ConfigMaps. Nil reads through Client.
	ConfigReader client.Reader
	Env          env.Env
	Registration Registration
	// Image is the temporary pod's image (--mount-pod-image).
	Image    string
	Recorder record.EventRecorder

	hbrOnce sync.Once
	hbr     hbr.Client
	hbrErr  error
}

// +kubebuilder:rbac:groups=csdr.io,resources=filesystemrestores,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=csdr.io,resources=filesystemrestores/status,verbs=get;update;patch
// +kubebuilder:rbac:groups="",resources=persistentvolumeclaims;pods,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=persistentvolumes,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=configmaps,verbs=get
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch

// Config is what New needs beside the environment; the fields are Reconciler's.
type Config struct {
	Client        client.Client
	ConfigReader  client.Reader
	Registry      Registration
	Events        record.EventRecorder
	MountPodImage string
}

// New builds the reconciler; its HBR client is made on first use.
func New(e env.Env, cfg Config) *Reconciler {
	return &Reconciler{Client: cfg.Client, ConfigReader: cfg.ConfigReader, Env: e, Registration: cfg.Registry,
		Recorder: cfg.Events, Image: cfg.MountPodImage}
}

// SetupWithManager watches the records of env.Namespace and the temporary claims and pods they own.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	inNamespace := predicate.NewPredicateFuncs(func(o client.Object) bool { return o.GetNamespace() == r.Env.Namespace })
	return ctrl.NewControllerManagedBy(mgr).
		Named("filesystemrestore").
		For(&v1alpha1.FilesystemRestore{}).
		Owns(&corev1.PersistentVolumeClaim{}).
		Owns(&corev1.Pod{}).
		WithEventFilter(inNamespace).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

// Reconcile moves one record a step on.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var rec v1alpha1.FilesystemRestore
	if err := r.Client.Get(ctx, req.NamespacedName, &rec); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if rec.DeletionTimestamp != nil {
		// Its temporary objects are its own: the garbage collector takes them with it.
		return ctrl.Result{}, nil
	}
	s := &step{r: r, rec: &rec, log: r.log().WithFields(logrus.Fields{"record": rec.Name, "restore": rec.Spec.Restore.Name,
		"claim": rec.Spec.Target.Claim.Namespace + "/" + rec.Spec.Target.Claim.Name})}
	res, err := s.run(ctx)
	if apierrors.IsConflict(err) {
		// Someone else wrote the record since it was read: read it again.
		return ctrl.Result{Requeue: true}, nil
	}
	return res, err
}

func (r *Reconciler) log() logrus.FieldLogger {
	if r.Env.Log == nil {
		return logrus.StandardLogger()
	}
	return r.Env.Log.WithField("reconciler", "filesystemrestore")
}

// hbrClient is made on first use: the controller starts without HBR when no restore needs it.
func (r *Reconciler) hbrClient() (hbr.Client, error) {
	r.hbrOnce.Do(func() {
		if r.Env.NewHBR == nil {
			r.hbrErr = fmt.Errorf("no HBR client configured")
			return
		}
		r.hbr, r.hbrErr = r.Env.NewHBR()
	})
	return r.hbr, r.hbrErr
}

func (r *Reconciler) now() time.Time { return r.Env.Clock.Now() }

func (r *Reconciler) resync() time.Duration {
	if r.Env.ResyncPeriod > 0 {
		return r.Env.ResyncPeriod
	}
	return 10 * time.Second
}
