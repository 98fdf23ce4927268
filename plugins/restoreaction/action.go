// Package restoreaction holds our restore item actions. Each serves one family of resources and runs
// the restore's one pipeline of transforms (pkg/transform), so an item costs one plugin call and the
// order of the rules is defined in one place (pkg/restoreconfig).
package restoreaction

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"
)

// Action is one family's restore item action.
type Action struct {
	name     string
	selector velero.ResourceSelector
	sessions *Sessions
	log      logrus.FieldLogger
}

// Families are our restore item actions: name → the resources each applies to. Old API groups are
// listed by name because Velero matches them even when the target no longer serves them.
var Families = map[string][]string{
	"csdr.io/restore-workloads": transform.PodCarrierResources,
	// StorageClasses only teach the rules the classes a restore brings; Velero restores them before
	// volumes and claims.
	"csdr.io/restore-storage":    {"storageclasses.storage.k8s.io", "persistentvolumeclaims", "persistentvolumes"},
	"csdr.io/restore-networking": {"services", "ingresses.networking.k8s.io", "ingresses.extensions", "gateways.gateway.networking.k8s.io"},
}

// New returns the action called name (a key of Families).
func New(name string, sessions *Sessions, log logrus.FieldLogger) (*Action, error) {
	resources, ok := Families[name]
	if !ok {
		return nil, fmt.Errorf("no restore item action %s", name)
	}
	return &Action{name: name, selector: velero.ResourceSelector{IncludedResources: resources},
		sessions: sessions, log: log}, nil
}

// AppliesTo checks the configuration of the restore starting now (see Sessions.Check) and returns the
// family's resources.
func (a *Action) AppliesTo() (velero.ResourceSelector, error) {
	if err := a.sessions.Check(context.Background()); err != nil {
		return velero.ResourceSelector{}, err
	}
	return a.selector, nil
}

// Execute runs the restore's pipeline over one item.
func (a *Action) Execute(in *velero.RestoreItemActionExecuteInput) (*velero.RestoreItemActionExecuteOutput, error) {
	pipeline, err := a.sessions.Pipeline(context.Background(), in.Restore)
	if err != nil {
		return nil, err
	}
	obj, ok := in.Item.(*unstructured.Unstructured)
	if !ok {
		obj = &unstructured.Unstructured{Object: in.Item.UnstructuredContent()}
	}
	item := transform.Item{Object: obj}
	if from, ok := in.ItemFromBackup.(*unstructured.Unstructured); ok {
		item.FromBackup = from
	} else if in.ItemFromBackup != nil {
		item.FromBackup = &unstructured.Unstructured{Object: in.ItemFromBackup.UnstructuredContent()}
	}
	out, err := pipeline.Apply(item)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", obj.GetKind(), transform.Key(obj), err)
	}
	if len(out.Notes) == 0 && out.Skip == "" {
		return velero.NewRestoreItemActionExecuteOutput(obj), nil
	}
	log := a.log.WithFields(logrus.Fields{"restore": in.Restore.Name, "kind": obj.GetKind(), "name": transform.Key(obj)})
	for _, n := range out.Notes {
		log.Info(n)
	}
	if out.Skip != "" {
		log.WithField("reason", out.Skip).Info("not restored")
		return velero.NewRestoreItemActionExecuteOutput(obj).WithoutRestore(), nil
	}
	return velero.NewRestoreItemActionExecuteOutput(obj), nil
}
