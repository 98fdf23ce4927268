package transform

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// betaClassAnnotation is the StorageClass annotation that predates spec.storageClassName; Kubernetes
// still lets it win over the field, so a rule that changes the class must change both.
const betaClassAnnotation = "volume.beta.kubernetes.io/storage-class"

// volumeSite is one place that declares a volume's class, access modes and size: a PVC, a PV, or one
// volumeClaimTemplate of a StatefulSet. meta and spec are the live maps inside the object.
type volumeSite struct {
	// obj is the object the site is in, and template the name of the StatefulSet's volumeClaimTemplate
	// the site is; they name the site in notes and errors (desc), only when one is written.
	obj      *unstructured.Unstructured
	template string
	meta     map[string]any
	spec     map[string]any
	isPV     bool
}

// desc names the site in notes and errors, e.g. "PVC ns/data". It is built when asked for: most sites
// need no note, and every claim of a restore is looked at by several rules.
func (s volumeSite) desc() string {
	switch {
	case s.isPV:
		return "PV " + s.obj.GetName()
	case s.obj.GetKind() == "StatefulSet":
		return "StatefulSet " + Key(s.obj) + " volumeClaimTemplate " + s.template
	}
	return "PVC " + Key(s.obj)
}

// volumeSites returns the sites an object declares, or nil for an object no storage rule concerns.
func volumeSites(obj *unstructured.Unstructured) []volumeSite {
	switch {
	case isCoreV1(obj, "PersistentVolumeClaim"):
		return topLevelSite(obj, false)
	case isCoreV1(obj, "PersistentVolume"):
		return topLevelSite(obj, true)
	case obj.GetKind() == "StatefulSet":
		return claimTemplateSites(obj)
	}
	return nil
}

func isCoreV1(obj *unstructured.Unstructured, kind string) bool {
	return obj.GetAPIVersion() == "v1" && obj.GetKind() == kind
}

func topLevelSite(obj *unstructured.Unstructured, isPV bool) []volumeSite {
	spec, ok := obj.Object["spec"].(map[string]any)
	if !ok {
		return nil
	}
	meta, _ := obj.Object["metadata"].(map[string]any)
	return []volumeSite{{obj: obj, meta: meta, spec: spec, isPV: isPV}}
}

// claimTemplates returns a StatefulSet's volumeClaimTemplates as live maps.
func claimTemplates(obj *unstructured.Unstructured) []map[string]any {
	list, _, _ := unstructured.NestedFieldNoCopy(obj.Object, "spec", "volumeClaimTemplates")
	items, _ := list.([]any)
	var out []map[string]any
	for _, item := range items {
		if m, ok := item.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func claimTemplateSites(obj *unstructured.Unstructured) []volumeSite {
	var sites []volumeSite
	for _, tpl := range claimTemplates(obj) {
		spec, ok := tpl["spec"].(map[string]any)
		if !ok {
			continue
		}
		meta, _ := tpl["metadata"].(map[string]any)
		name, _ := meta["name"].(string)
		sites = append(sites, volumeSite{
			obj:      obj,
			template: name,
			meta:     meta,
			spec:     spec,
		})
	}
	return sites
}

func (s volumeSite) annotations() map[string]any {
	a, _ := s.meta["annotations"].(map[string]any)
	return a
}

// class returns the StorageClass the site asks for, "" for none, reading it the way Kubernetes does.
func (s volumeSite) class() string {
	if c, ok := s.annotations()[betaClassAnnotation].(string); ok {
		return c
	}
	c, _ := s.spec["storageClassName"].(string)
	return c
}

// setClass points the site at class, in the field and in the legacy annotation when the site has it.
func (s volumeSite) setClass(class string) {
	s.spec["storageClassName"] = class
	if a := s.annotations(); a != nil {
		if _, ok := a[betaClassAnnotation]; ok {
			a[betaClassAnnotation] = class
		}
	}
}

func (s volumeSite) accessModes() []string {
	list, _ := s.spec["accessModes"].([]any)
	modes := make([]string, 0, len(list))
	for _, m := range list {
		if str, ok := m.(string); ok {
			modes = append(modes, str)
		}
	}
	return modes
}

func (s volumeSite) setAccessModes(modes []string) {
	list := make([]any, len(modes))
	for i, m := range modes {
		list[i] = m
	}
	s.spec["accessModes"] = list
}

func (s volumeSite) volumeMode() string {
	m, _ := s.spec["volumeMode"].(string)
	return m
}

// sizePath is where the site keeps its size: a PV's capacity, a claim's request.
func (s volumeSite) sizePath() []string {
	if s.isPV {
		return []string{"capacity", "storage"}
	}
	return []string{"resources", "requests", "storage"}
}

// namesClass reports whether the site says which class it wants, "" included. A claim that does not gets
// the target's default class when it is created; a PV that does not has none.
func (s volumeSite) namesClass() bool {
	if _, ok := s.annotations()[betaClassAnnotation]; ok {
		return true
	}
	_, ok := s.spec["storageClassName"]
	return ok
}

// volumeName is the PV a claim is bound to, "" for none (and for a PV or a template).
func (s volumeSite) volumeName() string {
	if s.isPV {
		return ""
	}
	name, _ := s.spec["volumeName"].(string)
	return name
}
