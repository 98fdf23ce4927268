// Package backupaction holds our backup item actions: what makes a namespace-scoped backup complete
// enough to restore into an empty cluster, what keeps the cluster's own namespaces out of it, and the
// hand-over of filesystem volumes to csdr-controller, which backs their files up through Cloud Backup.
package backupaction

import (
	"path"
	"slices"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// SystemNamespaces are the namespaces ACK Backup Center leaves out of a backup unless it names them:
// the cluster's own and the component's own. Restoring them into another cluster would fight its
// system components.
var SystemNamespaces = []string{"csdr", "ack-csi-fuse", "kube-system", "kube-public", "kube-node-lease"}

// SystemNamespacesAction skips what lives in a system namespace, and the Namespace object itself,
// unless the backup names that namespace. Velero calls it only for items in those namespaces (and for
// Namespace objects), so every other item costs nothing.
type SystemNamespacesAction struct {
	log      logrus.FieldLogger
	selector velero.ResourceSelector
	objects  bool
}

// NewSystemNamespacesAction returns the action for items inside system namespaces.
func NewSystemNamespacesAction(log logrus.FieldLogger) *SystemNamespacesAction {
	return &SystemNamespacesAction{log: log, selector: velero.ResourceSelector{IncludedNamespaces: SystemNamespaces}}
}

// NewSystemNamespaceObjectsAction returns the action for the Namespace objects: Velero offers a
// cluster-scoped item only to actions that do not filter by namespace, so it takes an action of its own.
func NewSystemNamespaceObjectsAction(log logrus.FieldLogger) *SystemNamespacesAction {
	return &SystemNamespacesAction{log: log, selector: velero.ResourceSelector{IncludedResources: []string{"namespaces"}},
		objects: true}
}

// AppliesTo implements BackupItemAction.
func (a *SystemNamespacesAction) AppliesTo() (velero.ResourceSelector, error) { return a.selector, nil }

// Execute implements BackupItemAction.
func (a *SystemNamespacesAction) Execute(item runtime.Unstructured, backup *velerov1.Backup) (
	runtime.Unstructured, []velero.ResourceIdentifier, error) {
	obj := &unstructured.Unstructured{Object: item.UnstructuredContent()}
	ns := obj.GetNamespace()
	if a.objects {
		ns = obj.GetName()
	}
	if !slices.Contains(SystemNamespaces, ns) || Names(backup.Spec.IncludedNamespaces, ns) {
		return item, nil, nil
	}
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[velerov1.SkipFromBackupAnnotation] = "system namespace " + ns + " is backed up only when the backup names it"
	obj.SetAnnotations(annotations)
	a.log.WithField("namespace", ns).Debug("skipped: system namespace not named by the backup")
	return obj, nil, nil
}

// Names reports whether a backup's included namespaces name ns: literally or by a pattern other than
// the catch-all "*" (which is what a backup of everything says, not a choice of this namespace).
func Names(included []string, ns string) bool {
	for _, p := range included {
		if p == "*" || p == "" {
			continue
		}
		if p == ns {
			return true
		}
		if ok, err := path.Match(p, ns); err == nil && ok {
			return true
		}
	}
	return false
}
