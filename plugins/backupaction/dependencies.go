package backupaction

import (
	"strings"

	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"
)

// Group-resources of the dependencies we add.
var (
	ingressClasses  = schema.GroupResource{Group: "networking.k8s.io", Resource: "ingressclasses"}
	storageClasses  = schema.GroupResource{Group: "storage.k8s.io", Resource: "storageclasses"}
	gatewayClasses  = schema.GroupResource{Group: "gateway.networking.k8s.io", Resource: "gatewayclasses"}
	priorityClasses = schema.GroupResource{Group: "scheduling.k8s.io", Resource: "priorityclasses"}
	crds            = schema.GroupResource{Group: "apiextensions.k8s.io", Resource: "customresourcedefinitions"}
)

// builtInResources are the kinds whose dependencies the action adds, besides custom resources.
func builtInResources() []string {
	return append([]string{"ingresses.networking.k8s.io", "ingresses.extensions", "persistentvolumeclaims",
		"gateways.gateway.networking.k8s.io"}, transform.PodCarrierResources...)
}

// systemPriorityClassPrefix names the PriorityClasses every cluster has (system-node-critical,
// system-cluster-critical); users cannot create others with it.
const systemPriorityClassPrefix = "system-"

// builtInDependency returns the cluster-scoped object a built-in kind needs in an empty cluster.
func builtInDependency(obj *unstructured.Unstructured) (velero.ResourceIdentifier, bool) {
	gvk := obj.GroupVersionKind()
	var gr schema.GroupResource
	var name string
	switch {
	case gvk.Kind == "Ingress" && (gvk.Group == "networking.k8s.io" || gvk.Group == "extensions"):
		gr = ingressClasses
		name, _, _ = unstructured.NestedString(obj.Object, "spec", "ingressClassName")
		if name == "" {
			name = obj.GetAnnotations()["kubernetes.io/ingress.class"]
		}
	case gvk.Kind == "PersistentVolumeClaim" && gvk.Group == "":
		gr = storageClasses
		name, _, _ = unstructured.NestedString(obj.Object, "spec", "storageClassName")
		if name == "" {
			name = obj.GetAnnotations()["volume.beta.kubernetes.io/storage-class"]
		}
	case gvk.Kind == "Gateway" && gvk.Group == gatewayClasses.Group:
		gr = gatewayClasses
		name, _, _ = unstructured.NestedString(obj.Object, "spec", "gatewayClassName")
	default:
		spec := transform.PodSpec(obj)
		if spec == nil {
			return velero.ResourceIdentifier{}, false
		}
		gr = priorityClasses
		name, _ = spec["priorityClassName"].(string)
		if strings.HasPrefix(name, systemPriorityClassPrefix) {
			name = ""
		}
	}
	return velero.ResourceIdentifier{GroupResource: gr, Name: name}, name != ""
}
