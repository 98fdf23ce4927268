package datalocations

import (
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// SetupWithManager watches the Backups of env.Namespace that carry data locations. Of their updates
// only a change of the annotation counts: Velero updates a Backup often while it runs, and the period
// (RequeueAfter) brings each Backup back for its next check. One worker: the checks are few and slow
// paced, and one at a time stays clear of the cloud's rate limits.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("datalocations").
		For(&velerov1.Backup{}, builder.WithPredicates(backupEvents(r.env.Namespace))).
		WithOptions(controller.Options{MaxConcurrentReconciles: 1}).
		Complete(r)
}

// backupEvents lets through the Backups of ns that carry data locations, and of their updates only
// those that change the annotation.
func backupEvents(ns string) predicate.Funcs {
	carries := func(o client.Object) bool {
		_, ok := o.GetAnnotations()[v1alpha1.DataLocationsAnnotation]
		return ok && o.GetNamespace() == ns
	}
	return predicate.Funcs{
		CreateFunc:  func(e event.CreateEvent) bool { return carries(e.Object) },
		GenericFunc: func(e event.GenericEvent) bool { return carries(e.Object) },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return carries(e.ObjectNew) && e.ObjectOld.GetAnnotations()[v1alpha1.DataLocationsAnnotation] !=
				e.ObjectNew.GetAnnotations()[v1alpha1.DataLocationsAnnotation]
		},
	}
}
