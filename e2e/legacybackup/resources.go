package legacybackup

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// resource is how Velero files an object: under its group-resource directory, in a namespace or at
// cluster scope. A Kubernetes 1.16 API server's discovery is what told Velero this; without an API
// server we keep the part of that answer the fixtures need.
type resource struct {
	plural     string
	namespaced bool
}

// resources1_16 maps group and kind to the resource a Kubernetes 1.16 API server served them as.
var resources1_16 = map[schema.GroupKind]resource{
	{Group: "", Kind: "ConfigMap"}:                                    {"configmaps", true},
	{Group: "", Kind: "Endpoints"}:                                    {"endpoints", true},
	{Group: "", Kind: "Event"}:                                        {"events", true},
	{Group: "", Kind: "LimitRange"}:                                   {"limitranges", true},
	{Group: "", Kind: "Namespace"}:                                    {"namespaces", false},
	{Group: "", Kind: "PersistentVolume"}:                             {"persistentvolumes", false},
	{Group: "", Kind: "PersistentVolumeClaim"}:                        {"persistentvolumeclaims", true},
	{Group: "", Kind: "Pod"}:                                          {"pods", true},
	{Group: "", Kind: "ReplicationController"}:                        {"replicationcontrollers", true},
	{Group: "", Kind: "ResourceQuota"}:                                {"resourcequotas", true},
	{Group: "", Kind: "Secret"}:                                       {"secrets", true},
	{Group: "", Kind: "Service"}:                                      {"services", true},
	{Group: "", Kind: "ServiceAccount"}:                               {"serviceaccounts", true},
	{Group: "apps", Kind: "ControllerRevision"}:                       {"controllerrevisions", true},
	{Group: "apps", Kind: "DaemonSet"}:                                {"daemonsets", true},
	{Group: "apps", Kind: "Deployment"}:                               {"deployments", true},
	{Group: "apps", Kind: "ReplicaSet"}:                               {"replicasets", true},
	{Group: "apps", Kind: "StatefulSet"}:                              {"statefulsets", true},
	{Group: "autoscaling", Kind: "HorizontalPodAutoscaler"}:           {"horizontalpodautoscalers", true},
	{Group: "batch", Kind: "CronJob"}:                                 {"cronjobs", true},
	{Group: "batch", Kind: "Job"}:                                     {"jobs", true},
	{Group: "extensions", Kind: "Ingress"}:                            {"ingresses", true},
	{Group: "networking.k8s.io", Kind: "Ingress"}:                     {"ingresses", true},
	{Group: "networking.k8s.io", Kind: "NetworkPolicy"}:               {"networkpolicies", true},
	{Group: "policy", Kind: "PodDisruptionBudget"}:                    {"poddisruptionbudgets", true},
	{Group: "rbac.authorization.k8s.io", Kind: "Role"}:                {"roles", true},
	{Group: "rbac.authorization.k8s.io", Kind: "RoleBinding"}:         {"rolebindings", true},
	{Group: "storage.k8s.io", Kind: "StorageClass"}:                   {"storageclasses", false},
	{Group: "apiextensions.k8s.io", Kind: "CustomResourceDefinition"}: {"customresourcedefinitions", false},
}

// item is one object placed the way Velero's item backupper placed it.
type item struct {
	obj *unstructured.Unstructured
	gvk schema.GroupVersionKind
	// groupResource is the directory under resources/, "pods" or "deployments.apps".
	groupResource string
	namespace     string
}

func itemFor(obj *unstructured.Unstructured) (item, error) {
	gvk := obj.GroupVersionKind()
	id := fmt.Sprintf("%s %s/%s", gvk.Kind, obj.GetNamespace(), obj.GetName())
	if gvk.Kind == "" || gvk.Version == "" {
		return item{}, fmt.Errorf("object %q has no apiVersion or kind", id)
	}
	if obj.GetName() == "" {
		return item{}, fmt.Errorf("%s object has no name", gvk.Kind)
	}
	res, ok := resources1_16[gvk.GroupKind()]
	if !ok {
		return item{}, fmt.Errorf("object %s: kind %s of group %q is not in the resource table of resources.go", id, gvk.Kind, gvk.Group)
	}
	if res.namespaced != (obj.GetNamespace() != "") {
		return item{}, fmt.Errorf("object %s: %s is namespaced=%t but the object's namespace is %q", id, res.plural, res.namespaced, obj.GetNamespace())
	}
	return item{obj: obj, gvk: gvk, groupResource: schema.GroupResource{Group: gvk.Group, Resource: res.plural}.String(),
		namespace: obj.GetNamespace()}, nil
}

// listKey is the item's key in the backup's resource list: API version and kind, "apps/v1/Deployment".
func (i item) listKey() string { return i.gvk.GroupVersion().String() + "/" + i.gvk.Kind }

// listEntry is the item's entry in the resource list: "namespace/name", or the name at cluster scope.
func (i item) listEntry() string {
	if i.namespace == "" {
		return i.obj.GetName()
	}
	return i.namespace + "/" + i.obj.GetName()
}

// paths are where the item's JSON goes in the tarball. Velero listed each resource in the version the
// API server preferred and, for format 1.1.0, wrote the item under "<version>-preferredversion" and
// again without a version directory, the path a restore without EnableAPIGroupVersions reads.
func (i item) paths() []string {
	scope := "namespaces/" + i.namespace
	if i.namespace == "" {
		scope = "cluster"
	}
	name := i.obj.GetName() + ".json"
	return []string{
		"resources/" + i.groupResource + "/" + i.gvk.Version + "-preferredversion/" + scope + "/" + name,
		"resources/" + i.groupResource + "/" + scope + "/" + name,
	}
}
