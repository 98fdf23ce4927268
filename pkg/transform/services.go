package transform

import (
	"fmt"
	"strings"
)

// NodePorts policies for the services rule.
const (
	// NodePortsKeep gives a restored Service the NodePorts it had in the source cluster.
	NodePortsKeep = "keep"
	// NodePortsRelease leaves NodePorts as Velero's own service action left them.
	NodePortsRelease = "release"
)

var validNodePorts = []string{NodePortsKeep, NodePortsRelease}

// ServiceOptions configures the services rule.
type ServiceOptions struct {
	// NodePorts is keep (the default when empty) or release.
	NodePorts string
	// PreserveNodePorts is the Restore's spec.preserveNodePorts.
	PreserveNodePorts bool
	// UsedNodePorts maps the NodePorts already allocated in the target cluster to the "namespace/name"
	// of the Service holding them.
	UsedNodePorts map[int64]string
}

// Services carries NodePort and LoadBalancer Services over to another cluster: it keeps their
// NodePorts where the target has them free, and keeps or releases their Alibaba Cloud load balancer.
type Services struct {
	nodePorts string
	preserve  bool
	used      map[int64]string
}

// NewServices validates the options and builds the rule.
func NewServices(opts ServiceOptions) (*Services, error) {
	mode := opts.NodePorts
	if mode == "" {
		mode = NodePortsKeep
	}
	if mode != NodePortsKeep && mode != NodePortsRelease {
		return nil, fmt.Errorf("nodePorts %q is not valid: valid values are %s",
			opts.NodePorts, strings.Join(validNodePorts, ", "))
	}
	used := make(map[int64]string, len(opts.UsedNodePorts))
	for port, owner := range opts.UsedNodePorts {
		used[port] = owner
	}
	return &Services{nodePorts: mode, preserve: opts.PreserveNodePorts, used: used}, nil
}

// Name is the rule's configuration key.
func (*Services) Name() string { return "services" }

// Service types the rule concerns; ClusterIP, headless and ExternalName Services allocate nothing on
// nodes or in the cloud.
const (
	serviceTypeNodePort     = "NodePort"
	serviceTypeLoadBalancer = "LoadBalancer"
)

// Apply adjusts item.Object when it is a core Service of type NodePort or LoadBalancer.
func (s *Services) Apply(item Item, out *Outcome) error {
	obj := item.Object
	// Other APIs have a kind named Service too (Knative's, for one); only the core one is ours.
	if obj.GetKind() != "Service" || obj.GetAPIVersion() != "v1" {
		return nil
	}
	spec, _ := obj.Object["spec"].(map[string]any)
	if spec == nil {
		return nil
	}
	typ, _ := spec["type"].(string)
	if typ != serviceTypeNodePort && typ != serviceTypeLoadBalancer {
		return nil
	}
	key := Key(obj)
	var backupSpec map[string]any
	if item.FromBackup != nil {
		backupSpec, _ = item.FromBackup.Object["spec"].(map[string]any)
	}
	if s.nodePorts == NodePortsKeep {
		if err := s.keepNodePorts(key, spec, backupSpec, out); err != nil {
			return fmt.Errorf("service %s: %w", key, err)
		}
	}
	if typ == serviceTypeLoadBalancer {
		if err := s.healthCheckNodePort(key, spec, backupSpec, out); err != nil {
			return fmt.Errorf("service %s: %w", key, err)
		}
		s.loadBalancer(obj, out)
	}
	return nil
}
