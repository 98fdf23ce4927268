package transform

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
)

const (
	hostnameLabel  = corev1.LabelHostname
	nodeNameField  = "metadata.name"
	requiredTerms  = "requiredDuringSchedulingIgnoredDuringExecution"
	preferredTerms = "preferredDuringSchedulingIgnoredDuringExecution"
)

// NodePins frees pods from the nodes of the source cluster, the nodePins configuration key.
//
// spec.nodeName is removed from every pod spec: Velero's own pod action clears it on bare Pods only, and a
// workload template that names a node binds its pods to a node the target cluster lacks, past the
// scheduler. Pins by kubernetes.io/hostname (nodeSelector, node affinity In expressions, and matchFields on
// metadata.name) to nodes missing from the target cluster are dropped, so pods schedule instead of staying
// Pending; pins to nodes that exist, other labels and other operators stay as they are.
type NodePins struct {
	existing map[string]struct{}
}

// NewNodePins takes the names of the target cluster's nodes.
func NewNodePins(existingNodes []string) *NodePins {
	existing := make(map[string]struct{}, len(existingNodes))
	for _, n := range existingNodes {
		existing[n] = struct{}{}
	}
	return &NodePins{existing: existing}
}

// Name is the configuration key.
func (*NodePins) Name() string { return "nodePins" }

// Apply unpins the pod spec of a pod-carrying object.
func (p *NodePins) Apply(item Item, out *Outcome) error {
	spec := PodSpec(item.Object)
	if spec == nil {
		return nil
	}
	note := func(format string, args ...any) { out.Note(p.Name(), format, args...) }
	if node, _ := spec["nodeName"].(string); node != "" {
		delete(spec, "nodeName")
		note("removed nodeName %s: the scheduler places pods in the target cluster", node)
	}
	p.unpinNodeSelector(spec, note)
	p.unpinAffinity(spec, note)
	return nil
}

func (p *NodePins) missing(node string) bool {
	_, ok := p.existing[node]
	return !ok
}

func (p *NodePins) unpinNodeSelector(spec map[string]any, note func(string, ...any)) {
	selector, _ := spec["nodeSelector"].(map[string]any)
	node, ok := selector[hostnameLabel].(string)
	if !ok || !p.missing(node) {
		return
	}
	delete(selector, hostnameLabel)
	if len(selector) == 0 {
		delete(spec, "nodeSelector")
	}
	note("dropped nodeSelector %s=%s: no such node in the target cluster", hostnameLabel, node)
}

func (p *NodePins) unpinAffinity(spec map[string]any, note func(string, ...any)) {
	affinity, _ := spec["affinity"].(map[string]any)
	nodeAffinity, _ := affinity["nodeAffinity"].(map[string]any)
	if nodeAffinity == nil {
		return
	}
	changed := false
	if required, ok := nodeAffinity[requiredTerms].(map[string]any); ok {
		if terms, ok := required["nodeSelectorTerms"].([]any); ok {
			kept, dropped := p.unpinTerms(terms, func(t any) map[string]any {
				m, _ := t.(map[string]any)
				return m
			})
			if len(dropped) > 0 {
				changed = true
				note("required node affinity: dropped %s: no such node in the target cluster", strings.Join(dropped, ", "))
				// An empty nodeSelectorTerms list is invalid: with no term left, nothing is required.
				if len(kept) == 0 {
					delete(nodeAffinity, requiredTerms)
					note("removed required node affinity: no term is left once pins to missing nodes are dropped")
				} else {
					required["nodeSelectorTerms"] = kept
				}
			}
		}
	}
	if preferred, ok := nodeAffinity[preferredTerms].([]any); ok {
		kept, dropped := p.unpinTerms(preferred, func(t any) map[string]any {
			m, _ := t.(map[string]any)
			pref, _ := m["preference"].(map[string]any)
			return pref
		})
		if len(dropped) > 0 {
			changed = true
			note("preferred node affinity: dropped %s: no such node in the target cluster", strings.Join(dropped, ", "))
			if len(kept) == 0 {
				delete(nodeAffinity, preferredTerms)
			} else {
				nodeAffinity[preferredTerms] = kept
			}
		}
	}
	if changed && len(nodeAffinity) == 0 {
		delete(affinity, "nodeAffinity")
		if len(affinity) == 0 {
			delete(spec, "affinity")
		}
	}
}

// unpinTerms unpins each node selector term (found in an entry by term) and keeps the entries whose term
// still selects something. dropped describes what was removed, as "kubernetes.io/hostname In node-a".
func (p *NodePins) unpinTerms(entries []any, term func(any) map[string]any) (kept []any, dropped []string) {
	kept = entries[:0:0]
	for _, e := range entries {
		t := term(e)
		if t == nil {
			kept = append(kept, e)
			continue
		}
		d := p.unpinRequirements(t, "matchExpressions", hostnameLabel)
		d = append(d, p.unpinRequirements(t, "matchFields", nodeNameField)...)
		dropped = append(dropped, d...)
		if len(d) > 0 && len(t) == 0 {
			continue
		}
		kept = append(kept, e)
	}
	return kept, dropped
}

// unpinRequirements removes missing nodes from the "key In values" requirements of one term's field,
// then the requirements left with no value, then the field if no requirement is left.
func (p *NodePins) unpinRequirements(term map[string]any, field, key string) (dropped []string) {
	reqs, ok := term[field].([]any)
	if !ok {
		return nil
	}
	kept := reqs[:0:0]
	for _, r := range reqs {
		req, _ := r.(map[string]any)
		values, _ := req["values"].([]any)
		if req == nil || req["key"] != key || req["operator"] != "In" || values == nil {
			kept = append(kept, r)
			continue
		}
		var keptValues []any
		for _, v := range values {
			if node, ok := v.(string); ok && p.missing(node) {
				dropped = append(dropped, key+" In "+node)
				continue
			}
			keptValues = append(keptValues, v)
		}
		switch {
		case len(keptValues) == len(values):
			kept = append(kept, r)
		case len(keptValues) > 0:
			req["values"] = keptValues
			kept = append(kept, r)
		}
	}
	if len(dropped) == 0 {
		return nil
	}
	if len(kept) == 0 {
		delete(term, field)
	} else {
		term[field] = kept
	}
	return dropped
}
