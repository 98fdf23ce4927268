package transform

import (
	"sort"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Annotations that make a StorageClass the default one, which the API server gives a claim that names
// none. Kubernetes still honours the beta spelling.
const (
	defaultClassAnnotation     = "storageclass.kubernetes.io/is-default-class"
	betaDefaultClassAnnotation = "storageclass.beta.kubernetes.io/is-default-class"
)

// StorageFacts is what the storage rules know about one restore's target, kept up to date as the restore
// goes: the StorageClasses the target had when the restore started and those the restore itself brings
// (Velero restores StorageClasses before volumes and claims, so a migration into an empty cluster brings
// its classes with it), and the PVs this restore has restored, so a claim bound to one is judged by it.
// Build one per restore; it is safe for concurrent use.
type StorageFacts struct {
	mu      sync.RWMutex
	classes map[string]StorageClass
	pvs     map[string]restoredPV
	now     func() time.Time
}

// restoredPV is what the rules remember of a PV this restore restores.
type restoredPV struct {
	disk  bool
	class string
}

// NewStorageFacts starts from the target's StorageClasses, by name.
func NewStorageFacts(target map[string]StorageClass) *StorageFacts {
	f := &StorageFacts{classes: make(map[string]StorageClass, len(target)), pvs: map[string]restoredPV{}, now: time.Now}
	for name, c := range target {
		c.Name = name
		f.classes[name] = c
	}
	return f
}

// Class returns the target's StorageClass called name, or the one this restore brings.
func (f *StorageFacts) Class(name string) (StorageClass, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	c, ok := f.classes[name]
	return c, ok
}

// DefaultClass returns the class the API server gives a claim that names none: of the classes marked
// default, the newest, then the first by name, as the DefaultStorageClass admission plugin chooses.
func (f *StorageFacts) DefaultClass() (StorageClass, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var defaults []StorageClass
	for _, c := range f.classes {
		if c.Default {
			defaults = append(defaults, c)
		}
	}
	if len(defaults) == 0 {
		return StorageClass{}, false
	}
	sort.Slice(defaults, func(i, j int) bool {
		if !defaults[i].Created.Equal(defaults[j].Created) {
			return defaults[i].Created.After(defaults[j].Created)
		}
		return defaults[i].Name < defaults[j].Name
	})
	return defaults[0], true
}

// learnClass records a class this restore brings. A class the target already has wins: Velero does
// not overwrite it. It reports whether the class is new to the target.
func (f *StorageFacts) learnClass(c StorageClass) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.classes[c.Name]; ok {
		return false
	}
	// The API server stamps it now, to the second: newer than every class the target had.
	c.Created = f.now().Truncate(time.Second)
	f.classes[c.Name] = c
	return true
}

// recordPV remembers a PV as it is restored.
func (f *StorageFacts) recordPV(name string, pv restoredPV) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pvs[name] = pv
}

// restoredPV returns what this restore restored as the PV called name.
func (f *StorageFacts) restoredPV(name string) (restoredPV, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	pv, ok := f.pvs[name]
	return pv, ok
}

// StorageClassFromObject reads what the rules need from a StorageClass object.
func StorageClassFromObject(obj *unstructured.Unstructured) StorageClass {
	c := StorageClass{Name: obj.GetName(), Created: obj.GetCreationTimestamp().Time}
	c.Provisioner, _, _ = unstructured.NestedString(obj.Object, "provisioner")
	c.VolumeBindingMode, _, _ = unstructured.NestedString(obj.Object, "volumeBindingMode")
	c.Parameters, _, _ = unstructured.NestedStringMap(obj.Object, "parameters")
	c.Default = IsDefaultClass(obj.GetAnnotations())
	return c
}

// IsDefaultClass reads a StorageClass's annotations as the API server does: is it a default class?
func IsDefaultClass(annotations map[string]string) bool {
	return annotations[defaultClassAnnotation] == "true" || annotations[betaDefaultClassAnnotation] == "true"
}

// targetClass is the class a site's volume lives under in the target: the one it names, or for a claim
// that names none the default class it gets at admission. ok is false when the facts cannot tell, and
// unknown says why, for the restore log.
func (f *StorageFacts) targetClass(site volumeSite) (class StorageClass, ok bool, unknown string) {
	if site.namesClass() {
		name := site.class()
		if name == "" {
			return StorageClass{}, true, ""
		}
		if c, found := f.Class(name); found {
			return c, true, ""
		}
		return StorageClass{}, false, "storageclass " + name + " is neither in the target cluster nor in this restore"
	}
	if site.isPV {
		return StorageClass{}, true, ""
	}
	if c, found := f.DefaultClass(); found {
		return c, true, ""
	}
	return StorageClass{}, false, "it names no storageclass and neither the target cluster nor this restore has a default one"
}

// isDisk reports whether the site's volume is, or will be, an Alibaba Cloud disk: a PV whose source is
// one, a claim bound to such a PV of this restore, or a site whose class provisions disks. When the facts
// cannot tell, unknown says why.
func (f *StorageFacts) isDisk(site volumeSite) (disk bool, unknown string) {
	if site.isPV && pvSourceOf(site.spec).kind == mediumDisk {
		return true, ""
	}
	if pv, ok := f.restoredPV(site.volumeName()); ok {
		return pv.disk, ""
	}
	class, ok, unknown := f.targetClass(site)
	if !ok {
		if site.isPV {
			// A PV's data is what its source says, whatever its class: it is not a disk.
			return false, ""
		}
		return false, unknown
	}
	return class.IsDisk(), ""
}
