package transform

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Annotations the Alibaba Cloud cloud controller manager (CCM) reads from a LoadBalancer Service. It
// accepts each under the current prefix and under the legacy "alicloud" one, the current winning.
const (
	slbAnnotationPrefix       = "service.beta.kubernetes.io/alibaba-cloud-"
	slbLegacyAnnotationPrefix = "service.beta.kubernetes.io/alicloud-"
	slbIDAnnotation           = "loadbalancer-id"
	slbOverrideAnnotation     = "loadbalancer-force-override-listeners"
)

// What the CCM writes on a Service it manages, to find its load balancer again and to clean it up. Left
// on a restored Service they name the source cluster's load balancer, which the target's CCM must not
// adopt or delete; it writes its own once it has created or found one.
var (
	slbCCMLabels = []string{
		"service.k8s.alibaba/loadbalancer-id", // the CLB, NLB or ELB instance ID
		"service.beta.kubernetes.io/hash",     // hash of the spec the CCM last reconciled
	}
	slbCCMFinalizers = []string{
		"service.k8s.alibaba/resources", // CLB
		"service.k8s.alibaba/nlb",       // NLB
		"service.alibabacloud.com/elb",  // ENS edge load balancer
	}
)

// loadBalancer keeps a load balancer the user chose (the loadbalancer-id annotation) without letting the
// restored Service rewrite its listeners, which still serve the source cluster. A load balancer the CCM
// created for the source cluster is not carried over: the Service loses the CCM's bookkeeping and the
// target's CCM creates a new one.
func (s *Services) loadBalancer(obj *unstructured.Unstructured, out *Outcome) {
	key := Key(obj)
	annotations := obj.GetAnnotations()
	if id := slbAnnotation(annotations, slbIDAnnotation); id != "" {
		overrideKey := slbAnnotationPrefix + slbOverrideAnnotation
		if annotations[overrideKey] != "false" {
			annotations[overrideKey] = "false"
			obj.SetAnnotations(annotations)
			out.Note(s.Name(), "Service %s reuses load balancer %s: set %s to \"false\" so that its listeners "+
				"are not overridden", key, id, overrideKey)
		}
	}
	if removed := stripCCMBookkeeping(obj); len(removed) > 0 {
		out.Note(s.Name(), "removed the source cluster's cloud controller manager bookkeeping from Service %s "+
			"(%s): the target cluster's cloud controller manager writes its own", key, strings.Join(removed, ", "))
	}
}

// slbAnnotation reads a CCM annotation the way the CCM does: the current prefix if present, even empty,
// else the legacy one.
func slbAnnotation(annotations map[string]string, name string) string {
	if v, ok := annotations[slbAnnotationPrefix+name]; ok {
		return v
	}
	return annotations[slbLegacyAnnotationPrefix+name]
}

// stripCCMBookkeeping removes the CCM's labels and finalizers and says which it removed.
func stripCCMBookkeeping(obj *unstructured.Unstructured) []string {
	var removed []string
	labels := obj.GetLabels()
	for _, l := range slbCCMLabels {
		if v, ok := labels[l]; ok {
			delete(labels, l)
			removed = append(removed, "label "+l+"="+v)
		}
	}
	if len(removed) > 0 {
		if len(labels) == 0 {
			unstructured.RemoveNestedField(obj.Object, "metadata", "labels")
		} else {
			obj.SetLabels(labels)
		}
	}
	finalizers := obj.GetFinalizers()
	kept := finalizers[:0:0]
	for _, f := range finalizers {
		if isCCMFinalizer(f) {
			removed = append(removed, "finalizer "+f)
			continue
		}
		kept = append(kept, f)
	}
	if len(kept) != len(finalizers) {
		if len(kept) == 0 {
			unstructured.RemoveNestedField(obj.Object, "metadata", "finalizers")
		} else {
			obj.SetFinalizers(kept)
		}
	}
	sort.Strings(removed)
	return removed
}

func isCCMFinalizer(f string) bool {
	for _, ccm := range slbCCMFinalizers {
		if f == ccm {
			return true
		}
	}
	return false
}
