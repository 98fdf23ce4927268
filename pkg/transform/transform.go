// Package transform holds the pure rewrites our restore item actions apply to Kubernetes objects while
// they move between clusters: image registries, storage classes, access modes, disk sizes, node pins,
// PVC names, Ingress versions and Services. Every rule is a value built once per restore from validated
// configuration and facts about the target cluster; applying it touches only the object it is given.
package transform

import (
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Rule rewrites one object in place. Rules are safe for concurrent use: all their state is read-only
// after construction.
type Rule interface {
	// Name is the rule's configuration key, used in logs and errors.
	Name() string
	// Apply rewrites item.Object if the rule concerns it and records what it did in out. An object the
	// rule does not concern is left untouched and out is left empty.
	Apply(item Item, out *Outcome) error
}

// Item is one object on its way into the target cluster.
type Item struct {
	// Object is the object as it will be created; rules rewrite it in place.
	Object *unstructured.Unstructured
	// FromBackup is the object as the backup holds it, before Velero's own actions changed it (Velero
	// clears a Service's NodePorts, for example). Read-only; nil when unknown.
	FromBackup *unstructured.Unstructured
}

// Outcome is what rules did to one object.
type Outcome struct {
	// Notes say what changed and why, one line each, for the restore log.
	Notes []string
	// Skip, when not empty, is why the object must not be restored at all (for example a PV whose data
	// cannot follow it and that dynamic provisioning replaces).
	Skip string
}

// Note records a change.
func (o *Outcome) Note(rule, format string, args ...any) {
	o.Notes = append(o.Notes, rule+": "+sprintf(format, args...))
}

// Pipeline applies rules in order. It stops at the first error or when a rule decides to skip the object.
type Pipeline []Rule

// Apply runs the pipeline over one item.
func (p Pipeline) Apply(item Item) (Outcome, error) {
	var out Outcome
	for _, r := range p {
		if err := r.Apply(item, &out); err != nil {
			return out, wrapRule(r.Name(), err)
		}
		if out.Skip != "" {
			return out, nil
		}
	}
	return out, nil
}

// Key names an object as logs and errors do: namespace/name, or name alone when cluster-scoped.
func Key(obj *unstructured.Unstructured) string {
	if ns := obj.GetNamespace(); ns != "" {
		return ns + "/" + obj.GetName()
	}
	return obj.GetName()
}
