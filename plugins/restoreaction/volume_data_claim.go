package restoreaction

import (
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// claimBindingAnnotations are what the source cluster's PV controller and scheduler wrote on the claim:
// left on it, they would say the claim is bound, or pick a node and a provisioner, for a volume this
// cluster does not have.
var claimBindingAnnotations = []string{
	"pv.kubernetes.io/bind-completed",
	"pv.kubernetes.io/bound-by-controller",
	"volume.kubernetes.io/selected-node",
	"volume.beta.kubernetes.io/storage-provisioner",
	"volume.kubernetes.io/storage-provisioner",
}

// claimRecordAnnotations point at the source cluster's record. The restored claim drops them: a later
// backup of it that does not go through HBR would otherwise carry a stale reference, and a restore of
// that backup would bring back these files instead of the claim's own.
var claimRecordAnnotations = []string{csdrv1alpha1.FilesystemBackupAnnotation}

// holdClaim makes the claim wait for the volume the controller fills: no volumeName, no binding
// annotations, and a selector only that volume will match. A claim with a selector is never
// provisioned, so it stays Pending until the controller labels the filled volume and points it at the
// claim; no application sees the volume before its data is in.
func holdClaim(pvc *unstructured.Unstructured, record string) error {
	unstructured.RemoveNestedField(pvc.Object, "spec", "volumeName")
	annotations := pvc.GetAnnotations()
	for _, key := range append(claimBindingAnnotations, claimRecordAnnotations...) {
		delete(annotations, key)
	}
	if len(annotations) == 0 {
		annotations = nil
	}
	pvc.SetAnnotations(annotations)
	// The source cluster's selector chose among its volumes; this claim binds only to the one volume.
	return unstructured.SetNestedField(pvc.Object, map[string]any{
		"matchLabels": map[string]any{csdrv1alpha1.FilesystemRestoreLabel: record},
	}, "spec", "selector")
}

// targetClaim is the claim as Velero will create it: Velero maps the namespace after the item actions
// run, the name is final once ours (renames) have.
func targetClaim(pvc *unstructured.Unstructured, restore *velerov1.Restore) csdrv1alpha1.ClaimRef {
	ns := pvc.GetNamespace()
	if mapped, ok := restore.Spec.NamespaceMapping[ns]; ok && mapped != "" {
		ns = mapped
	}
	return csdrv1alpha1.ClaimRef{Namespace: ns, Name: pvc.GetName()}
}
