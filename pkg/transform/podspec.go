package transform

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// podSpecPaths says where each kind that carries pods keeps its pod spec. Kinds are matched whatever the
// API group and version, so a Deployment from extensions/v1beta1 is found like one from apps/v1.
var podSpecPaths = map[string][]string{
	"Pod":                   {"spec"},
	"Deployment":            {"spec", "template", "spec"},
	"StatefulSet":           {"spec", "template", "spec"},
	"DaemonSet":             {"spec", "template", "spec"},
	"ReplicaSet":            {"spec", "template", "spec"},
	"ReplicationController": {"spec", "template", "spec"},
	"Job":                   {"spec", "template", "spec"},
	"CronJob":               {"spec", "jobTemplate", "spec", "template", "spec"},
}

// PodCarrierResources are the resources of the kinds PodSpec understands, as item actions name them.
var PodCarrierResources = []string{
	"pods", "deployments.apps", "statefulsets.apps", "daemonsets.apps", "replicasets.apps",
	"replicationcontrollers", "jobs.batch", "cronjobs.batch",
}

// PodSpecKinds lists the kinds PodSpec understands.
func PodSpecKinds() []string {
	kinds := make([]string, 0, len(podSpecPaths))
	for k := range podSpecPaths {
		kinds = append(kinds, k)
	}
	return kinds
}

// PodSpec returns the pod spec an object carries, as the live map inside obj (changes to it change
// obj), or nil when the object carries no pod spec.
func PodSpec(obj *unstructured.Unstructured) map[string]any {
	path, ok := podSpecPaths[obj.GetKind()]
	if !ok {
		return nil
	}
	spec, found, err := unstructured.NestedFieldNoCopy(obj.Object, path...)
	if err != nil || !found {
		return nil
	}
	m, _ := spec.(map[string]any)
	return m
}

// IsTemplate reports whether the object's pod spec is a template for pods a controller creates, as
// opposed to a bare Pod.
func IsTemplate(obj *unstructured.Unstructured) bool {
	_, ok := podSpecPaths[obj.GetKind()]
	return ok && obj.GetKind() != "Pod"
}

// containerLists are the pod spec fields holding containers.
var containerLists = []string{"initContainers", "containers", "ephemeralContainers"}

// Containers returns every container of a pod spec (init, regular and ephemeral) as live maps.
func Containers(spec map[string]any) []map[string]any {
	var out []map[string]any
	for _, field := range containerLists {
		list, _ := spec[field].([]any)
		for _, c := range list {
			if m, ok := c.(map[string]any); ok {
				out = append(out, m)
			}
		}
	}
	return out
}
