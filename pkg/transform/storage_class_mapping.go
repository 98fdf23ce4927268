package transform

import (
	"fmt"
	"maps"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// StorageClassMappingRule is the configuration key of the StorageClass conversion.
const StorageClassMappingRule = "storageClassMapping"

// AnyStorageClass, as a mapping key, converts claims and volumes of every class, and of none.
const AnyStorageClass = "*"

// bindingAnnotations are what the PV controllers and the scheduler leave on a bound PVC; a claim that
// must be provisioned again cannot keep them.
var bindingAnnotations = []string{
	"pv.kubernetes.io/bind-completed",
	"pv.kubernetes.io/bound-by-controller",
	"volume.kubernetes.io/storage-provisioner",
	"volume.beta.kubernetes.io/storage-provisioner",
	"volume.kubernetes.io/selected-node",
}

// StorageClassConversion restores PVCs, PVs and StatefulSet volumeClaimTemplates under another
// StorageClass of the target cluster. PVs are rewritten onto the target's CSI driver when their data stays
// reachable (a FlexVolume disk stays the same disk, an NFS export the same export); otherwise the PV is not
// restored and its claim is provisioned anew under the target class.
type StorageClassConversion struct {
	targets  map[string]StorageClass // by source class, or AnyStorageClass
	replaced PVReplacements
}

var _ Rule = (*StorageClassConversion)(nil)

// NewStorageClassConversion validates a mapping from source class (or AnyStorageClass) to target class
// against the target cluster's classes. Every target must exist and be an Alibaba Cloud CSI disk or NAS
// class; in a multi-zone cluster a disk target must wait for the first consumer, or a disk could be
// created in a zone its pod cannot run in. replaced records the PVs this rule does not restore; nil gives
// a private record, which is enough when the same rule value sees the PVs and PVCs of a restore.
func NewStorageClassConversion(mapping map[string]string, facts *StorageFacts, multiZone bool, replaced PVReplacements) (*StorageClassConversion, error) {
	if replaced == nil {
		replaced = NewPVReplacements()
	}
	c := &StorageClassConversion{targets: map[string]StorageClass{}, replaced: replaced}
	for _, source := range slices.Sorted(maps.Keys(mapping)) {
		name := mapping[source]
		if source == "" {
			return nil, fmt.Errorf("storageclass mapping to %s has an empty source class; use %q for any class", name, AnyStorageClass)
		}
		if name == "" {
			return nil, fmt.Errorf("storageclass mapping of %s has no target class", source)
		}
		target, ok := facts.Class(name)
		if !ok {
			return nil, fmt.Errorf("storageclass %s not exists (target of %s)", name, source)
		}
		if !target.IsDisk() && !target.IsNAS() {
			return nil, fmt.Errorf("only support convert to storageclass with CSI diskplugin or nasplugin provisioner: storageclass %s has provisioner %s", name, target.Provisioner)
		}
		if multiZone && target.IsDisk() && target.bindsImmediately() {
			return nil, fmt.Errorf("storageclass %s binds disks Immediately, but current cluster is multi-zoned: "+
				"a disk created before its pod is scheduled may sit in a zone the pod cannot run in; "+
				"use a WaitForFirstConsumer class such as alicloud-disk-topology-alltype", name)
		}
		target.Name = name
		c.targets[source] = target
	}
	return c, nil
}

// Name returns the rule's configuration key.
func (c *StorageClassConversion) Name() string { return StorageClassMappingRule }

// target returns the class a source class converts to and the mapping key that says so; an explicit name
// wins over AnyStorageClass.
func (c *StorageClassConversion) target(source string) (StorageClass, string, bool) {
	if t, ok := c.targets[source]; ok {
		return t, source, true
	}
	t, ok := c.targets[AnyStorageClass]
	return t, AnyStorageClass, ok
}

// Apply converts the object's volume sites and, for a PVC whose PV this rule did not restore, resets its
// binding.
func (c *StorageClassConversion) Apply(item Item, out *Outcome) error {
	obj := item.Object
	for _, site := range volumeSites(obj) {
		target, key, ok := c.target(site.class())
		if !ok {
			continue
		}
		if site.isPV {
			if err := c.convertSource(obj, site, target, out); err != nil || out.Skip != "" {
				return err
			}
		}
		if from := site.class(); from != target.Name {
			site.setClass(target.Name)
			out.Note(StorageClassMappingRule, "%s storageClassName %s -> %s (mapping %q)", site.desc(), classOrNone(from), target.Name, key)
		}
	}
	if isCoreV1(obj, "PersistentVolumeClaim") {
		c.resetReplacedBinding(obj, out)
	}
	return nil
}

// convertSource moves a PV onto the target class's CSI driver, or decides it cannot follow.
func (c *StorageClassConversion) convertSource(pv *unstructured.Unstructured, site volumeSite, target StorageClass, out *Outcome) error {
	src := pvSourceOf(site.spec)
	want := mediumNFS
	if target.IsDisk() {
		want = mediumDisk
	}
	if src.kind != want {
		reason := fmt.Sprintf("PV %s is not restored: its data (%s) cannot be reached from storageclass %s (%s); %s is provisioned fresh and empty under %s",
			pv.GetName(), src.desc, target.Name, target.kindName(), pvClaimRef(pv), target.Name)
		c.replaced.Record(pv.GetName(), reason)
		out.Skip = reason
		return nil
	}
	if src.alibabaCSI() {
		return nil
	}
	var note string
	var err error
	if want == mediumDisk {
		note, err = flexDiskToCSI(pv.GetName(), site.spec)
	} else {
		note, err = nfsToNASCSI(pv.GetName(), site.spec, src)
	}
	if err != nil {
		return err
	}
	out.Note(StorageClassMappingRule, "PV %s: %s", pv.GetName(), note)
	return nil
}

// claimOf names the claim a PV is bound to, for the reason a PV is not restored.
func pvClaimRef(pv *unstructured.Unstructured) string {
	ns, _, _ := unstructured.NestedString(pv.Object, "spec", "claimRef", "namespace")
	name, _, _ := unstructured.NestedString(pv.Object, "spec", "claimRef", "name")
	if name == "" {
		return "the claim that would bind it"
	}
	return "its claim " + ns + "/" + name
}

// resetReplacedBinding unbinds a PVC from a PV this rule did not restore, the way Velero resets claims
// whose volumes it provisions again: no volume name, no binding annotations, no selector (CSI
// provisioners refuse claims with one).
func (c *StorageClassConversion) resetReplacedBinding(pvc *unstructured.Unstructured, out *Outcome) {
	spec, _ := pvc.Object["spec"].(map[string]any)
	volumeName, _ := spec["volumeName"].(string)
	if volumeName == "" {
		return
	}
	reason, ok := c.replaced.Replaced(volumeName)
	if !ok {
		return
	}
	delete(spec, "volumeName")
	if annotations := pvc.GetAnnotations(); len(annotations) > 0 {
		for _, a := range bindingAnnotations {
			delete(annotations, a)
		}
		if len(annotations) == 0 {
			annotations = nil
		}
		pvc.SetAnnotations(annotations)
	}
	cleared := "volumeName and binding annotations"
	if _, ok := spec["selector"]; ok {
		delete(spec, "selector")
		cleared += " and selector"
	}
	meta, _ := pvc.Object["metadata"].(map[string]any)
	class := volumeSite{meta: meta, spec: spec}.class()
	out.Note(StorageClassMappingRule, "PVC %s: %s cleared so storageclass %s provisions a new, empty volume, because %s",
		Key(pvc), cleared, classOrNone(class), reason)
}

func classOrNone(class string) string {
	if class == "" {
		return `""`
	}
	return class
}
