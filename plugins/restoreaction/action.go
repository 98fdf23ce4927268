// Package restoreaction holds our restore item actions. Each serves one family of resources and runs
// the restore's one pipeline of transforms (pkg/transform), so an item costs one plugin call and the
// order of the rules is defined in one place (pkg/restoreconfig).
package restoreaction

import (
	"context"
	"fmt"
	"slices"
	"strings"

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
// family's resources that its rules can change (restoreconfig.Config.Resources). Velero calls it once
// per restore, in a plugin process started for that restore, so the selection follows the
// configuration as it is when each restore starts. When the configuration cannot be read the family
// applies to all its resources: a call too many costs time, an item left out would miss its rules.
func (a *Action) AppliesTo() (velero.ResourceSelector, error) {
	cfg, err := a.sessions.Check(context.Background())
	if err != nil {
		return velero.ResourceSelector{}, err
	}
	if cfg == nil {
		return a.selector, nil
	}
	sel := selectFrom(a.selector.IncludedResources, cfg.Resources())
	if len(sel.ExcludedResources) > 0 {
		a.log.WithField("action", a.name).Info("no rule of this restore's configuration concerns the resources this action serves; it is not called")
	} else if len(sel.IncludedResources) < len(a.selector.IncludedResources) {
		a.log.WithFields(logrus.Fields{"action": a.name, "resources": strings.Join(sel.IncludedResources, ",")}).
			Info("the rules of this restore's configuration concern only these of the action's resources")
	}
	return sel, nil
}

// selectFrom selects the family's resources that are wanted. An empty IncludedResources means every
// resource to Velero, so a family that serves none of them includes and excludes its own: exclusion
// wins.
func selectFrom(family, wanted []string) velero.ResourceSelector {
	var in []string
	for _, r := range family {
		if slices.Contains(wanted, r) {
			in = append(in, r)
		}
	}
	if len(in) == 0 {
		return velero.ResourceSelector{IncludedResources: family, ExcludedResources: family}
	}
	return velero.ResourceSelector{IncludedResources: in}
}

// Execute runs the restore's pipeline over one item. It writes to the restore log only for an item it
// changed or skips, one line: Velero calls it for thousands of items.
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
	output := &velero.RestoreItemActionExecuteOutput{UpdatedItem: obj}
	if len(out.Notes) == 0 && out.Skip == "" {
		return output, nil
	}
	log := a.log.WithFields(logrus.Fields{"restore": in.Restore.Name, "kind": obj.GetKind(), "name": transform.Key(obj)})
	if out.Skip != "" {
		log = log.WithField("notRestored", out.Skip)
		output.SkipRestore = true
	}
	msg := strings.Join(out.Notes, "; ")
	if msg == "" {
		msg = "not restored"
	}
	log.Info(msg)
	return output, nil
}
