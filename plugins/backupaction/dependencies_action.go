package backupaction

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// CRD is what the action needs to know of a custom resource definition.
type CRD struct {
	// Name is the CRD's name, <plural>.<group>.
	Name  string
	Group string
	Kind  string
}

// CRDLister lists the cluster's custom resource definitions.
type CRDLister interface {
	CRDs(ctx context.Context) ([]CRD, error)
}

// DependenciesAction returns, as additional items, what an object needs to be restored into an empty
// cluster and that Velero does not already add in the backup's mode: an Ingress's IngressClass, a
// Gateway's GatewayClass, a PVC's StorageClass, the PriorityClass of a pod or pod template, and a custom
// resource's CRD when the backup's resource filter keeps Velero from adding it (Velero adds a CRD itself
// unless the backup lists resources without naming CRDs).
type DependenciesAction struct {
	log  logrus.FieldLogger
	crds CRDLister

	once  sync.Once
	kinds map[schema.GroupKind]string // custom resource kind → CRD name
	err   error
}

// NewDependenciesAction returns the action; crds is read once, when Velero asks what it applies to.
func NewDependenciesAction(log logrus.FieldLogger, crds CRDLister) *DependenciesAction {
	return &DependenciesAction{log: log, crds: crds}
}

// AppliesTo implements BackupItemAction: Ingresses, Gateways, PVCs, the kinds that carry pods and every
// custom resource the cluster defines now, so other built-in kinds never cost a plugin call.
func (a *DependenciesAction) AppliesTo() (velero.ResourceSelector, error) {
	resources := builtInResources()
	a.once.Do(func() {
		var list []CRD
		list, a.err = a.crds.CRDs(context.Background())
		a.kinds = map[schema.GroupKind]string{}
		for _, c := range list {
			a.kinds[schema.GroupKind{Group: c.Group, Kind: c.Kind}] = c.Name
		}
	})
	if a.err != nil {
		// A backup without CRD completion is still a backup: Velero's own CRD handling remains.
		a.log.WithError(a.err).Warn("cannot list custom resource definitions; their completion is left to Velero")
	}
	for _, name := range a.kinds {
		// Gateways are custom resources too, where Gateway API is installed.
		if !slices.Contains(resources, name) {
			resources = append(resources, name)
		}
	}
	return velero.ResourceSelector{IncludedResources: resources}, nil
}

// Execute implements BackupItemAction.
func (a *DependenciesAction) Execute(item runtime.Unstructured, backup *velerov1.Backup) (
	runtime.Unstructured, []velero.ResourceIdentifier, error) {
	obj := &unstructured.Unstructured{Object: item.UnstructuredContent()}
	var deps []velero.ResourceIdentifier
	mustInclude := false
	for _, dep := range a.dependencies(obj, backup) {
		if wanted(backup, dep.GroupResource) {
			deps = append(deps, dep)
			mustInclude = mustInclude || veleroWouldDrop(backup, dep.GroupResource)
		}
	}
	if len(deps) == 0 {
		return item, nil, nil
	}
	if mustInclude {
		// Velero re-checks additional items against the backup's filters and would drop this one;
		// wanted has already honoured what the user excluded. Velero 1.18 leaves the annotation on the
		// backed-up item (our restore actions remove it), so it is set only where it is needed.
		annotations := obj.GetAnnotations()
		if annotations == nil {
			annotations = map[string]string{}
		}
		annotations[velerov1.MustIncludeAdditionalItemAnnotation] = "true"
		obj.SetAnnotations(annotations)
	}
	for _, dep := range deps {
		a.log.WithFields(logrus.Fields{"item": obj.GetKind() + " " + obj.GetNamespace() + "/" + obj.GetName(),
			"dependency": dep.GroupResource.String() + " " + dep.Name}).Info("adding dependency")
	}
	return obj, deps, nil
}

// dependencies returns what the object needs: the class or PriorityClass of a built-in kind (Gateways
// are custom resources where Gateway API is installed), and the CRD of a custom resource where Velero
// would not add it: when the backup lists resources without CRDs, and for a cluster-scoped custom
// resource, such as the GatewayClass we add for a Gateway, whose CRD Velero's namespace backup leaves out.
func (a *DependenciesAction) dependencies(obj *unstructured.Unstructured, backup *velerov1.Backup) []velero.ResourceIdentifier {
	var deps []velero.ResourceIdentifier
	if dep, ok := builtInDependency(obj); ok {
		deps = append(deps, dep)
	}
	if name, ok := a.kinds[obj.GroupVersionKind().GroupKind()]; ok && (!veleroAddsCRDs(backup) || obj.GetNamespace() == "") {
		deps = append(deps, velero.ResourceIdentifier{GroupResource: crds, Name: name})
	}
	return deps
}

// veleroAddsCRDs reports whether Velero itself backs up the CRD of every custom resource it backs up:
// it does unless the backup lists the resources to include without CRDs among them (and then, with
// --include-cluster-resources unset, it excludes CRDs as cluster resources nobody asked for).
func veleroAddsCRDs(backup *velerov1.Backup) bool {
	inc := backup.Spec.IncludedResources
	return len(inc) == 0 || matchesAny(inc, crds)
}

// veleroWouldDrop reports whether Velero's filter would drop a cluster-scoped additional item of gr.
// With the old-style filters (any of IncludeClusterResources, IncludedResources, ExcludedResources
// set), a backup that lists what to include and leaves IncludeClusterResources unset keeps only the
// cluster resources it lists. With the scoped filters, only an explicit exclusion drops one, which
// wanted honours by not adding it.
func veleroWouldDrop(backup *velerov1.Backup, gr schema.GroupResource) bool {
	s := backup.Spec
	return s.IncludeClusterResources == nil && len(s.IncludedResources) > 0 && !matchesAny(s.IncludedResources, gr)
}

// wanted reports whether the user's filters allow the dependency: not when cluster resources are
// turned off, not when its resource is excluded by name.
func wanted(backup *velerov1.Backup, gr schema.GroupResource) bool {
	if icr := backup.Spec.IncludeClusterResources; icr != nil && !*icr {
		return false
	}
	return !matchesAny(backup.Spec.ExcludedResources, gr) &&
		!matchesAny(backup.Spec.ExcludedClusterScopedResources, gr)
}

// matchesAny reports whether a resource filter list names gr: "*", its plural alone, or plural.group.
func matchesAny(list []string, gr schema.GroupResource) bool {
	for _, s := range list {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "*" || s == gr.Resource || s == gr.String() {
			return true
		}
	}
	return false
}
