package transform

import (
	"fmt"
	"math"
)

// Ingress API versions. Kubernetes 1.22 stopped serving both beta versions; Velero restores an item only
// in the version it was backed up in, so an old Ingress needs rewriting before it reaches such a cluster.
const (
	IngressExtensionsV1beta1 = "extensions/v1beta1"
	IngressNetworkingV1beta1 = "networking.k8s.io/v1beta1"
	IngressNetworkingV1      = "networking.k8s.io/v1"
)

// ingressPathTypeDefault is what both beta versions default an unset pathType to. v1 requires the field,
// so the default has to be written out.
const ingressPathTypeDefault = "ImplementationSpecific"

// IngressConversion rewrites an Ingress of a beta version the target cluster does not serve into
// networking.k8s.io/v1, field for field as the API server converts it.
type IngressConversion struct {
	served map[string]bool
}

// NewIngressConversion builds the rule from the Ingress API versions the target cluster serves.
func NewIngressConversion(served map[string]bool) *IngressConversion {
	c := &IngressConversion{served: make(map[string]bool, len(served))}
	for v, ok := range served {
		c.served[v] = ok
	}
	return c
}

// Name is the rule's configuration key.
func (*IngressConversion) Name() string { return "ingressConversion" }

// Apply converts item.Object when it is an Ingress of a beta version the target does not serve.
func (c *IngressConversion) Apply(item Item, out *Outcome) error {
	obj := item.Object
	from := obj.GetAPIVersion()
	if obj.GetKind() != "Ingress" || (from != IngressExtensionsV1beta1 && from != IngressNetworkingV1beta1) {
		return nil
	}
	if c.served[from] {
		return nil
	}
	// Converting a copy keeps a malformed Ingress untouched instead of half-converted.
	converted := obj.DeepCopy()
	if spec, found := converted.Object["spec"]; found && spec != nil {
		m, ok := spec.(map[string]any)
		if !ok {
			return fmt.Errorf("ingress %s: spec is %T, not an object", Key(obj), spec)
		}
		if err := convertIngressSpec(m); err != nil {
			return fmt.Errorf("ingress %s: %w", Key(obj), err)
		}
	}
	converted.SetAPIVersion(IngressNetworkingV1)
	obj.Object = converted.Object
	out.Note(c.Name(), "converted Ingress %s from %s to %s: the target cluster does not serve %s",
		Key(obj), from, IngressNetworkingV1, from)
	return nil
}

func convertIngressSpec(spec map[string]any) error {
	if backend, found := spec["backend"]; found {
		delete(spec, "backend")
		if backend != nil {
			b, ok := backend.(map[string]any)
			if !ok {
				return fmt.Errorf("spec.backend is %T, not an object", backend)
			}
			if err := convertIngressBackend(b); err != nil {
				return fmt.Errorf("spec.backend: %w", err)
			}
			spec["defaultBackend"] = b
		}
	}
	rules, err := ingressList(spec, "rules", "spec")
	if err != nil {
		return err
	}
	for i, rule := range rules {
		field := fmt.Sprintf("spec.rules[%d]", i)
		http, ok := rule["http"].(map[string]any)
		if !ok {
			if rule["http"] != nil {
				return fmt.Errorf("%s.http is %T, not an object", field, rule["http"])
			}
			continue
		}
		paths, err := ingressList(http, "paths", field+".http")
		if err != nil {
			return err
		}
		for j, path := range paths {
			if path["pathType"] == nil {
				path["pathType"] = ingressPathTypeDefault
			}
			backend, found := path["backend"]
			if !found || backend == nil {
				continue
			}
			b, ok := backend.(map[string]any)
			if !ok {
				return fmt.Errorf("%s.http.paths[%d].backend is %T, not an object", field, j, backend)
			}
			if err := convertIngressBackend(b); err != nil {
				return fmt.Errorf("%s.http.paths[%d].backend: %w", field, j, err)
			}
		}
	}
	return nil
}

// convertIngressBackend turns serviceName/servicePort into service.name and service.port.number or
// service.port.name. Like the API server, it creates the service reference when either field carries
// anything, a port given as a (possibly empty) string included; resource backends pass through.
func convertIngressBackend(b map[string]any) error {
	var name string
	if v := b["serviceName"]; v != nil {
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("serviceName is %T, not a string", v)
		}
		name = s
	}
	portName, portNumber, isName, err := ingressServicePort(b["servicePort"])
	if err != nil {
		return err
	}
	delete(b, "serviceName")
	delete(b, "servicePort")
	if name == "" && portNumber == 0 && !isName {
		return nil
	}
	port := map[string]any{}
	if portName != "" {
		port["name"] = portName
	}
	if portNumber != 0 {
		port["number"] = portNumber
	}
	b["service"] = map[string]any{"name": name, "port": port}
	return nil
}

// ingressServicePort reads an int-or-string servicePort the way the API server decodes it: a JSON
// string is a port name, a number must be a whole 32-bit integer.
func ingressServicePort(v any) (name string, number int64, isName bool, err error) {
	switch p := v.(type) {
	case nil:
		return "", 0, false, nil
	case string:
		return p, 0, true, nil
	case int64:
		if p < math.MinInt32 || p > math.MaxInt32 {
			return "", 0, false, fmt.Errorf("servicePort %d is out of range", p)
		}
		return "", p, false, nil
	case float64:
		if p != math.Trunc(p) || p < math.MinInt32 || p > math.MaxInt32 {
			return "", 0, false, fmt.Errorf("servicePort %v is not a 32-bit integer", p)
		}
		return "", int64(p), false, nil
	default:
		return "", 0, false, fmt.Errorf("servicePort is %T, not a number or a name", v)
	}
}

// ingressList returns the objects of a list field, or an error naming the field when it holds anything
// else.
func ingressList(m map[string]any, key, parent string) ([]map[string]any, error) {
	raw, found := m[key]
	if !found || raw == nil {
		return nil, nil
	}
	list, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s.%s is %T, not a list", parent, key, raw)
	}
	out := make([]map[string]any, 0, len(list))
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s.%s[%d] is %T, not an object", parent, key, i, item)
		}
		out = append(out, obj)
	}
	return out, nil
}
