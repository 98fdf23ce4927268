package backup

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
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
		// A node frees up when a record of its backup ends: the records waiting for it go on at once
		// rather than at their next resync.
		Watches(&v1alpha1.FilesystemBackup{}, handler.EnqueueRequestsFromMapFunc(r.waitingOfSameBackup),
			builder.WithPredicates(predicate.Funcs{
				CreateFunc:  func(event.CreateEvent) bool { return false },
				GenericFunc: func(event.GenericEvent) bool { return false },
				DeleteFunc:  func(e event.DeleteEvent) bool { return e.Object.GetNamespace() == ns },
				UpdateFunc: func(e event.UpdateEvent) bool {
					old, okOld := e.ObjectOld.(*v1alpha1.FilesystemBackup)
					fsb, okNew := e.ObjectNew.(*v1alpha1.FilesystemBackup)
					return okOld && okNew && fsb.Namespace == ns && !old.Status.Phase.IsTerminal() && fsb.Status.Phase.IsTerminal()
				},
			})).
		WithOptions(controller.Options{MaxConcurrentReconciles: workers}).
		Complete(r)
}

// waitingOfSameBackup are the unfinished records of the backup an ended record belongs to.
func (r *Reconciler) waitingOfSameBackup(ctx context.Context, o client.Object) []reconcile.Request {
	uid := o.GetLabels()[v1alpha1.BackupUIDLabel]
	if uid == "" {
		return nil
	}
	var records v1alpha1.FilesystemBackupList
	if err := r.client.List(ctx, &records, client.InNamespace(o.GetNamespace()), client.MatchingLabels{v1alpha1.BackupUIDLabel: uid}); err != nil {
		r.log.WithError(err).Warn("list the records of a backup whose volume ended; they go on at their next resync")
		return nil
	}
	var out []reconcile.Request
	for _, rec := range records.Items {
		if rec.Name != o.GetName() && !rec.Status.Phase.IsTerminal() {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: rec.Namespace, Name: rec.Name}})
		}
	}
	return out
}
