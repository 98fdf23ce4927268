package transform

import (
	"fmt"
	"math"
	"strings"
)

// keepNodePorts gives every port the nodePort it had in the backup (Velero's own service action clears
// those it thinks were allocated automatically). A nodePort another Service already holds in the target
// is left unset, so that the Service is created with a fresh one instead of failing with "provided port
// is already allocated".
func (s *Services) keepNodePorts(key string, spec, backupSpec map[string]any, out *Outcome) error {
	ports, err := servicePorts(spec, "spec")
	if err != nil {
		return err
	}
	backupPorts, err := servicePorts(backupSpec, "backup spec")
	if err != nil {
		return err
	}
	var kept []string
	for i, p := range ports {
		current, err := nodePortValue(p["nodePort"])
		if err != nil {
			return fmt.Errorf("spec.ports[%d].nodePort: %w", i, err)
		}
		want := current
		if bp := matchServicePort(p, backupPorts); bp != nil {
			v, err := nodePortValue(bp["nodePort"])
			if err != nil {
				return fmt.Errorf("backup spec.ports nodePort of port %s: %w", describeServicePort(p), err)
			}
			if v != 0 {
				want = v
			}
		}
		if want == 0 {
			continue
		}
		if owner, taken := s.used[want]; taken && owner != key {
			delete(p, "nodePort")
			out.Note(s.Name(), "nodePort %d of port %s of Service %s is already allocated to Service %s in the "+
				"target cluster: the target cluster allocates another one", want, describeServicePort(p), key, owner)
			continue
		}
		if want != current {
			p["nodePort"] = want
			kept = append(kept, fmt.Sprintf("%d for port %s", want, describeServicePort(p)))
		}
	}
	if len(kept) > 0 {
		out.Note(s.Name(), "kept the source cluster's nodePorts of Service %s: %s", key, strings.Join(kept, ", "))
	}
	return nil
}

// healthCheckNodePort follows the restore's spec.preserveNodePorts for externalTrafficPolicy: Local load
// balancers: the port is kept only when the restore asks to preserve NodePorts, and otherwise left for
// the target cluster to allocate, even when it was set explicitly.
func (s *Services) healthCheckNodePort(key string, spec, backupSpec map[string]any, out *Outcome) error {
	if policy, _ := spec["externalTrafficPolicy"].(string); policy != "Local" {
		return nil
	}
	current, err := nodePortValue(spec["healthCheckNodePort"])
	if err != nil {
		return fmt.Errorf("spec.healthCheckNodePort: %w", err)
	}
	if !s.preserve {
		if _, found := spec["healthCheckNodePort"]; found {
			delete(spec, "healthCheckNodePort")
			if current != 0 {
				out.Note(s.Name(), "removed healthCheckNodePort %d of Service %s: the restore does not preserve "+
					"NodePorts, so the target cluster allocates one", current, key)
			}
		}
		return nil
	}
	want := current
	if backupSpec != nil {
		v, err := nodePortValue(backupSpec["healthCheckNodePort"])
		if err != nil {
			return fmt.Errorf("backup spec.healthCheckNodePort: %w", err)
		}
		if v != 0 {
			want = v
		}
	}
	if want == 0 {
		return nil
	}
	if owner, taken := s.used[want]; taken && owner != key {
		delete(spec, "healthCheckNodePort")
		out.Note(s.Name(), "healthCheckNodePort %d of Service %s is already allocated to Service %s in the target "+
			"cluster: the target cluster allocates another one", want, key, owner)
		return nil
	}
	if want != current {
		spec["healthCheckNodePort"] = want
		out.Note(s.Name(), "kept the source cluster's healthCheckNodePort %d of Service %s", want, key)
	}
	return nil
}

// servicePorts returns the live port objects of a Service spec; a nil spec has none.
func servicePorts(spec map[string]any, where string) ([]map[string]any, error) {
	if spec == nil || spec["ports"] == nil {
		return nil, nil
	}
	list, ok := spec["ports"].([]any)
	if !ok {
		return nil, fmt.Errorf("%s.ports is %T, not a list", where, spec["ports"])
	}
	ports := make([]map[string]any, 0, len(list))
	for i, item := range list {
		p, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s.ports[%d] is %T, not an object", where, i, item)
		}
		ports = append(ports, p)
	}
	return ports, nil
}

// matchServicePort finds the backup's copy of a port: by port and protocol, which the API server keeps
// unique within a Service, or else by name.
func matchServicePort(p map[string]any, backup []map[string]any) map[string]any {
	number, protocol := servicePortID(p)
	for _, bp := range backup {
		if n, proto := servicePortID(bp); n == number && proto == protocol && number != 0 {
			return bp
		}
	}
	if name, _ := p["name"].(string); name != "" {
		for _, bp := range backup {
			if n, _ := bp["name"].(string); n == name {
				return bp
			}
		}
	}
	return nil
}

// servicePortID is a port's number and protocol, with the protocol defaulted as the API server does.
func servicePortID(p map[string]any) (int64, string) {
	number, err := nodePortValue(p["port"])
	if err != nil {
		number = 0
	}
	protocol, _ := p["protocol"].(string)
	if protocol == "" {
		protocol = "TCP"
	}
	return number, protocol
}

func describeServicePort(p map[string]any) string {
	number, protocol := servicePortID(p)
	id := fmt.Sprintf("%d/%s", number, protocol)
	if name, _ := p["name"].(string); name != "" {
		return name + " (" + id + ")"
	}
	return id
}

// nodePortValue reads a port number from JSON-decoded content; absent is 0.
func nodePortValue(v any) (int64, error) {
	switch n := v.(type) {
	case nil:
		return 0, nil
	case int64:
		return n, nil
	case int:
		return int64(n), nil
	case int32:
		return int64(n), nil
	case float64:
		if n != math.Trunc(n) || n < 0 || n > math.MaxInt32 {
			return 0, fmt.Errorf("%v is not a port number", n)
		}
		return int64(n), nil
	default:
		return 0, fmt.Errorf("%T is not a port number", v)
	}
}
