package backup

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// SetupWithManager watches the records of env.Namespace, and the temporary pods (which live in the
// claims' namespaces, so no owner reference ties them to their record: their label does).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, workers int) error {
	ns := r.env.Namespace
	return ctrl.NewControllerManagedBy(mgr).
		Named("filesystembackup").
		For(&v1alpha1.FilesystemBackup{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return o.GetNamespace() == ns
		}))).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(func(_ context.Context, o client.Object) []reconcile.Request {
			record := o.GetLabels()[v1alpha1.TemporaryForLabel]
			if record == "" || o.GetName() != MountPodName(record) {
				return nil
			}
			return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: ns, Name: record}}}
		})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}
