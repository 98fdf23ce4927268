package transform

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Names of the storage rules that are always on: they keep a restore consistent rather than apply a
// policy, so no configuration key turns them off.
const (
	StorageFactsRule = "storageFacts"
	BoundClaimsRule  = "boundClaims"
)

// StorageFactsRecorder keeps a restore's StorageFacts up to date: it learns the StorageClasses the
// restore brings and remembers the PVs it restores, as the other rules left them, so the claims restored
// later are judged by them. It changes no object; it runs after every rule that changes PVs.
type StorageFactsRecorder struct {
	facts *StorageFacts
}

var _ Rule = (*StorageFactsRecorder)(nil)

// NewStorageFactsRecorder returns the recorder of a restore's facts.
func NewStorageFactsRecorder(facts *StorageFacts) *StorageFactsRecorder {
	return &StorageFactsRecorder{facts: facts}
}

// Name returns the rule's name.
func (r *StorageFactsRecorder) Name() string { return StorageFactsRule }

// Apply learns a StorageClass or records a PV.
func (r *StorageFactsRecorder) Apply(item Item, out *Outcome) error {
	obj := item.Object
	switch {
	case isStorageClass(obj):
		c := StorageClassFromObject(obj)
		if r.facts.learnClass(c) {
			what := "provisioner " + c.Provisioner
			if c.Default {
				what += ", the default class"
			}
			out.Note(StorageFactsRule, "StorageClass %s (%s) is new to the target cluster; the claims of this restore are judged by it", c.Name, what)
		}
	case isCoreV1(obj, "PersistentVolume"):
		for _, site := range volumeSites(obj) {
			disk, _ := r.facts.isDisk(site)
			r.facts.recordPV(obj.GetName(), restoredPV{disk: disk, class: site.class()})
		}
	}
	return nil
}

func isStorageClass(obj *unstructured.Unstructured) bool {
	return obj.GetKind() == "StorageClass" && (obj.GetAPIVersion() == "storage.k8s.io/v1" || obj.GetAPIVersion() == "storage.k8s.io/v1beta1")
}

// BoundClaims keeps a restored claim bound to the PV this restore restores for it. The API server gives
// a claim that names no class the target's default one, and a claim whose class differs from its PV's
// never binds; a claim bound to a PV without a class, in a target that has a default class, therefore
// gets storageClassName "", which is what it had in effect in the source cluster.
type BoundClaims struct {
	facts *StorageFacts
}

var _ Rule = (*BoundClaims)(nil)

// NewBoundClaims returns the rule for a restore's facts.
func NewBoundClaims(facts *StorageFacts) *BoundClaims { return &BoundClaims{facts: facts} }

// Name returns the rule's name.
func (b *BoundClaims) Name() string { return BoundClaimsRule }

// Apply pins the class of a bound claim that names none.
func (b *BoundClaims) Apply(item Item, out *Outcome) error {
	if !isCoreV1(item.Object, "PersistentVolumeClaim") {
		return nil
	}
	for _, site := range volumeSites(item.Object) {
		pv, ok := b.facts.restoredPV(site.volumeName())
		if !ok || site.namesClass() || pv.class != "" {
			continue
		}
		def, ok := b.facts.DefaultClass()
		if !ok {
			continue
		}
		site.spec["storageClassName"] = ""
		out.Note(BoundClaimsRule, "%s names no storageclass and is bound to PV %s, which has none; storageClassName set to \"\" so the default class %s is not given to it and it binds again",
			site.desc(), site.volumeName(), def.Name)
	}
	return nil
}
