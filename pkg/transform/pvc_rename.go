package transform

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation"
)

// PVCRenameRule is the configuration key of the PVC rename rule.
const PVCRenameRule = "pvcRename"

// PVCRename gives every PVC a prefix and/or a suffix, so restored claims do not collide with claims the
// target namespace already has, and renames every reference with it: PV claimRefs, pod volumes, and
// StatefulSet volumeClaimTemplates together with the mounts that use them.
//
// A StatefulSet names its claims <template>-<statefulset>-<ordinal>. A prefix on the template yields
// exactly the prefixed claims restored from the backup; a suffix cannot be expressed that way, so a
// StatefulSet with volumeClaimTemplates is refused when a suffix is configured: its pods would otherwise
// start on new, empty claims while the renamed ones hold the data.
type PVCRename struct {
	prefix, suffix string
}

var _ Rule = (*PVCRename)(nil)

// NewPVCRename validates a prefix and a suffix; at least one must be set. Both may use lowercase letters,
// digits and '-', the characters common to PVC names and to the pod volume names a StatefulSet derives
// from its templates; the name must still start and end with a letter or digit.
func NewPVCRename(prefix, suffix string) (*PVCRename, error) {
	if prefix == "" && suffix == "" {
		return nil, fmt.Errorf("pvcRename needs a prefix or a suffix")
	}
	for _, part := range []struct{ what, value string }{{"prefix", prefix}, {"suffix", suffix}} {
		if i := strings.IndexFunc(part.value, func(r rune) bool { return !isNameChar(r) }); i >= 0 {
			return nil, fmt.Errorf("%s %q: character %q is not allowed; PVC names (DNS-1123) take lowercase letters, digits and '-'", part.what, part.value, part.value[i])
		}
	}
	if prefix != "" && prefix[0] == '-' {
		return nil, fmt.Errorf("prefix %q must start with a lowercase letter or digit, as PVC names do", prefix)
	}
	if suffix != "" && suffix[len(suffix)-1] == '-' {
		return nil, fmt.Errorf("suffix %q must end with a lowercase letter or digit, as PVC names do", suffix)
	}
	if n := len(prefix) + len(suffix); n >= validation.DNS1123SubdomainMaxLength {
		return nil, fmt.Errorf("prefix and suffix are %d characters, leaving no room for a name within the %d of a PVC name", n, validation.DNS1123SubdomainMaxLength)
	}
	return &PVCRename{prefix: prefix, suffix: suffix}, nil
}

func isNameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-'
}

// Name returns the rule's configuration key.
func (r *PVCRename) Name() string { return PVCRenameRule }

// Apply renames the PVC the object is, or the claims it refers to.
func (r *PVCRename) Apply(item Item, out *Outcome) error {
	obj := item.Object
	switch {
	case isCoreV1(obj, "PersistentVolumeClaim"):
		return r.renameClaim(obj, out)
	case isCoreV1(obj, "PersistentVolume"):
		return r.renameClaimRef(obj, out)
	}
	if obj.GetKind() == "StatefulSet" {
		if err := r.renameClaimTemplates(obj, out); err != nil {
			return err
		}
	}
	return r.renamePodVolumes(obj, out)
}

func (r *PVCRename) renamed(name string) string { return r.prefix + name + r.suffix }

// checkClaimName refuses a renamed claim name Kubernetes would refuse, naming the object that carries it.
func checkClaimName(where, name string) error {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return fmt.Errorf("%s: renamed claim %q (%d characters) is not a valid PVC name: %s", where, name, len(name), strings.Join(errs, "; "))
	}
	return nil
}

func (r *PVCRename) renameClaim(pvc *unstructured.Unstructured, out *Outcome) error {
	where := "PVC " + Key(pvc)
	name := r.renamed(pvc.GetName())
	if err := checkClaimName(where, name); err != nil {
		return err
	}
	pvc.SetName(name)
	out.Note(PVCRenameRule, "%s renamed %s", where, name)
	return nil
}

func (r *PVCRename) renameClaimRef(pv *unstructured.Unstructured, out *Outcome) error {
	ref, _, _ := unstructured.NestedMap(pv.Object, "spec", "claimRef")
	old, _ := ref["name"].(string)
	if kind, _ := ref["kind"].(string); old == "" || kind != "" && kind != "PersistentVolumeClaim" {
		return nil
	}
	name := r.renamed(old)
	if err := checkClaimName("PV "+pv.GetName(), name); err != nil {
		return err
	}
	if err := unstructured.SetNestedField(pv.Object, name, "spec", "claimRef", "name"); err != nil {
		return fmt.Errorf("PV %s: %w", pv.GetName(), err)
	}
	ns, _ := ref["namespace"].(string)
	out.Note(PVCRenameRule, "PV %s claimRef %s/%s -> %s/%s", pv.GetName(), ns, old, ns, name)
	return nil
}

func (r *PVCRename) renamePodVolumes(obj *unstructured.Unstructured, out *Outcome) error {
	where := obj.GetKind() + " " + Key(obj)
	volumes, _ := PodSpec(obj)["volumes"].([]any)
	var claims []map[string]any
	for _, v := range volumes {
		volume, _ := v.(map[string]any)
		claim, _ := volume["persistentVolumeClaim"].(map[string]any)
		old, _ := claim["claimName"].(string)
		if old == "" {
			continue
		}
		if err := checkClaimName(where, r.renamed(old)); err != nil {
			return err
		}
		claims = append(claims, volume)
	}
	for _, volume := range claims {
		claim := volume["persistentVolumeClaim"].(map[string]any)
		old := claim["claimName"].(string)
		claim["claimName"] = r.renamed(old)
		out.Note(PVCRenameRule, "%s volume %s claims %s instead of %s", where, volume["name"], claim["claimName"], old)
	}
	return nil
}

// renameClaimTemplates renames a StatefulSet's volumeClaimTemplates and the volume mounts and devices of
// its containers that use them: the controller turns each template into a pod volume of the same name.
func (r *PVCRename) renameClaimTemplates(set *unstructured.Unstructured, out *Outcome) error {
	templates := claimTemplates(set)
	if len(templates) == 0 {
		return nil
	}
	where := "StatefulSet " + Key(set)
	if r.suffix != "" {
		return fmt.Errorf("%s: pvcRename suffix %q cannot follow its volumeClaimTemplates: the StatefulSet controller names claims "+
			"<template>-%s-<ordinal>, so the pods would get new, empty claims instead of the renamed ones; use a prefix only",
			where, r.suffix, set.GetName())
	}
	renames := map[string]string{}
	for _, tpl := range templates {
		meta, _ := tpl["metadata"].(map[string]any)
		old, _ := meta["name"].(string)
		if old == "" {
			continue
		}
		name := r.renamed(old)
		// The template's name becomes a pod volume name, which is a DNS-1123 label.
		if errs := validation.IsDNS1123Label(name); len(errs) > 0 {
			return fmt.Errorf("%s: renamed volumeClaimTemplate %q (%d characters) is not a valid volume name: %s", where, name, len(name), strings.Join(errs, "; "))
		}
		renames[old] = name
	}
	for _, tpl := range templates {
		meta, _ := tpl["metadata"].(map[string]any)
		if old, _ := meta["name"].(string); renames[old] != "" {
			meta["name"] = renames[old]
		}
	}
	mounts := map[string]int{}
	for _, c := range Containers(PodSpec(set)) {
		for _, field := range []string{"volumeMounts", "volumeDevices"} {
			list, _ := c[field].([]any)
			for _, m := range list {
				mount, _ := m.(map[string]any)
				old, _ := mount["name"].(string)
				if name, ok := renames[old]; ok {
					mount["name"] = name
					mounts[old]++
				}
			}
		}
	}
	for _, old := range slices.Sorted(maps.Keys(renames)) {
		out.Note(PVCRenameRule, "%s volumeClaimTemplate %s renamed %s with %d volume mounts/devices, so its claims %s-%s-<ordinal> are the renamed PVCs",
			where, old, renames[old], mounts[old], renames[old], set.GetName())
	}
	return nil
}
