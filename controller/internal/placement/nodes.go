package placement

import (
	"sort"
	"sync"

	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// Eligible returns the nodes HBR's agent may work on under the policy, best first: under prefer the
// included nodes, then the unlabelled ones, then the excluded ones; by name within each. Virtual
// nodes never qualify (no agent runs there), nor do nodes that report themselves not Ready.
func (p Policy) Eligible(nodes []corev1.Node) []corev1.Node {
	var out []corev1.Node
	for _, n := range nodes {
		if n.Labels[v1alpha1.VirtualNodeLabel] == v1alpha1.VirtualNodeValue || !ready(n) {
			continue
		}
		included := n.Labels[v1alpha1.AgentIncludedLabel] == "true"
		excluded := n.Labels[v1alpha1.AgentExcludedLabel] == "true"
		switch p.Schedule {
		case ScheduleInclude:
			if !included {
				continue
			}
		case SchedulePrefer:
		default:
			if excluded {
				continue
			}
		}
		out = append(out, n)
	}
	rank := func(n corev1.Node) int {
		if p.Schedule != SchedulePrefer {
			return 0
		}
		switch {
		case n.Labels[v1alpha1.AgentIncludedLabel] == "true":
			return 0
		case n.Labels[v1alpha1.AgentExcludedLabel] == "true":
			return 2
		}
		return 1
	}
	sort.SliceStable(out, func(i, j int) bool {
		if ri, rj := rank(out[i]), rank(out[j]); ri != rj {
			return ri < rj
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// ready is false only for a node whose Ready condition says it is not: a node without conditions
// (just registered) may still be fine.
func ready(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return true
}

// InternalIP is the node's InternalIP address, how HBR's agent is addressed ("<region>.<IP>").
func InternalIP(n corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

// IgnoredLog logs each ignored setting once per process, not at every reconcile.
type IgnoredLog struct {
	mu   sync.Mutex
	seen map[string]bool
}

// Log logs the policy's ignored settings not logged before.
func (l *IgnoredLog) Log(log logrus.FieldLogger, p Policy) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	for _, s := range p.Ignored {
		if !l.seen[s] {
			l.seen[s] = true
			log.WithField("setting", s).Info("csdr-config setting accepted; it has no effect in csdr-controller")
		}
	}
}
