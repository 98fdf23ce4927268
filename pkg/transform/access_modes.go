package transform

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// AccessModeMappingRule is the configuration key of the access mode rule.
const AccessModeMappingRule = "accessModeMapping"

var (
	readWriteOnce    = string(corev1.ReadWriteOnce)
	readWriteOncePod = string(corev1.ReadWriteOncePod)
	// knownAccessModes are the modes Kubernetes accepts, in the order error messages list them.
	knownAccessModes = []string{readWriteOnce, string(corev1.ReadOnlyMany), string(corev1.ReadWriteMany), readWriteOncePod}
	// multiNodeModes are the modes an Alibaba Cloud disk cannot serve: CSI attaches a disk to one node.
	multiNodeModes = map[string]bool{string(corev1.ReadOnlyMany): true, string(corev1.ReadWriteMany): true}
)

// AccessModes sets the access modes of PVCs, PVs and StatefulSet volumeClaimTemplates. A volume that is
// an Alibaba Cloud disk gets ReadWriteOnce in place of ReadWriteMany and ReadOnlyMany, which the disk
// driver refuses ("multi-node writing is only supported for block volume"), unless it is a Block volume
// that ESSD multi-attach may share. Explicit modes per target class cover the other cases, such as a NAS
// class that should be ReadWriteMany.
type AccessModes struct {
	mapping map[string][]string
	facts   *StorageFacts
}

var _ Rule = (*AccessModes)(nil)

// NewAccessModes validates explicit access modes keyed by StorageClass of the target cluster. A disk
// class may not be given a multi-node mode: that conflicts with the automatic ReadWriteOnce for disks.
func NewAccessModes(mapping map[string][]string, facts *StorageFacts) (*AccessModes, error) {
	a := &AccessModes{mapping: map[string][]string{}, facts: facts}
	for _, name := range slices.Sorted(maps.Keys(mapping)) {
		modes := mapping[name]
		class, ok := facts.Class(name)
		if !ok {
			return nil, fmt.Errorf("storageclass %s not exists", name)
		}
		if len(modes) == 0 {
			return nil, fmt.Errorf("storageclass %s: no access modes given", name)
		}
		var clean []string
		for _, m := range modes {
			if !slices.Contains(knownAccessModes, m) {
				return nil, fmt.Errorf("storageclass %s: unknown access mode %q (valid: %s)", name, m, strings.Join(knownAccessModes, ", "))
			}
			if class.IsDisk() && multiNodeModes[m] {
				return nil, fmt.Errorf("conflicting rules: storageclass %s provisions disks, which get ReadWriteOnce automatically, but is mapped to %s", name, m)
			}
			if !slices.Contains(clean, m) {
				clean = append(clean, m)
			}
		}
		if slices.Contains(clean, readWriteOncePod) && len(clean) > 1 {
			return nil, fmt.Errorf("storageclass %s: %s cannot be combined with other access modes", name, readWriteOncePod)
		}
		a.mapping[name] = clean
	}
	return a, nil
}

// Name returns the rule's configuration key.
func (a *AccessModes) Name() string { return AccessModeMappingRule }

// Apply sets the access modes of every volume site of the object; it reads the class the site has now,
// so it sees the result of the StorageClass conversion, and a claim that names no class is judged by the
// default class it will get.
func (a *AccessModes) Apply(item Item, out *Outcome) error {
	for _, site := range volumeSites(item.Object) {
		have := site.accessModes()
		if class, known, _ := a.facts.targetClass(site); known && class.Name != "" {
			if want, ok := a.mapping[class.Name]; ok {
				if !sameModes(have, want) {
					site.setAccessModes(want)
					out.Note(AccessModeMappingRule, "accessMode of %s is %s; set to %s for storageclass %s",
						site.desc(), strings.Join(have, ","), strings.Join(want, ","), class.Name)
				}
				continue
			}
		}
		if site.volumeMode() == string(corev1.PersistentVolumeBlock) {
			continue
		}
		if !slices.ContainsFunc(have, func(m string) bool { return multiNodeModes[m] }) {
			continue
		}
		disk, unknown := a.facts.isDisk(site)
		if unknown != "" {
			out.Note(AccessModeMappingRule, "accessMode of %s is %s and left so: %s, so whether it is an Alibaba Cloud disk (ReadWriteOnce only) cannot be told",
				site.desc(), strings.Join(have, ","), unknown)
			continue
		}
		if !disk {
			continue
		}
		want := singleNodeModes(have)
		site.setAccessModes(want)
		out.Note(AccessModeMappingRule, "accessMode of %s is %s; an Alibaba Cloud disk attaches to one node, so it is restored as %s",
			site.desc(), strings.Join(have, ","), strings.Join(want, ","))
	}
	return nil
}

// singleNodeModes drops the multi-node modes and, when no single-node mode is left, adds ReadWriteOnce.
func singleNodeModes(modes []string) []string {
	out := make([]string, 0, len(modes)+1)
	for _, m := range modes {
		if !multiNodeModes[m] {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		out = append(out, readWriteOnce)
	}
	return out
}

// sameModes compares access mode lists as sets, so a rule never reorders modes it does not change.
func sameModes(a, b []string) bool {
	for _, m := range a {
		if !slices.Contains(b, m) {
			return false
		}
	}
	for _, m := range b {
		if !slices.Contains(a, m) {
			return false
		}
	}
	return true
}
