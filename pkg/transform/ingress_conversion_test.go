package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// servedV1Only is a Kubernetes 1.22+ target.
var servedV1Only = map[string]bool{IngressNetworkingV1: true}

func TestIngressConversionGolden(t *testing.T) {
	convert := Pipeline{NewIngressConversion(servedV1Only)}
	goldenCases(t, "ingress", map[string]Pipeline{
		"extensions-service-port-number": convert,
		"extensions-service-port-name":   convert,
		"networking-default-backend":     convert,
		"networking-resource-backend":    convert,
		"edge-backends":                  convert,
		"status":                         convert,
		"v1":                             convert,
		"served": {NewIngressConversion(map[string]bool{
			IngressExtensionsV1beta1: true, IngressNetworkingV1beta1: true, IngressNetworkingV1: true,
		})},
	})
}

func TestIngressConversionNotes(t *testing.T) {
	obj := ingress(IngressExtensionsV1beta1, map[string]any{
		"backend": map[string]any{"serviceName": "app", "servicePort": int64(80)},
	})
	var out Outcome
	require.NoError(t, NewIngressConversion(servedV1Only).Apply(Item{Object: obj}, &out))
	assert.Equal(t, []string{"ingressConversion: converted Ingress web/app from extensions/v1beta1 to " +
		"networking.k8s.io/v1: the target cluster does not serve extensions/v1beta1"}, out.Notes)
}

func TestIngressConversionServedMapIsCopied(t *testing.T) {
	served := map[string]bool{IngressNetworkingV1beta1: true}
	rule := NewIngressConversion(served)
	served[IngressNetworkingV1beta1] = false

	obj := ingress(IngressNetworkingV1beta1, map[string]any{})
	var out Outcome
	require.NoError(t, rule.Apply(Item{Object: obj}, &out))
	assert.Equal(t, IngressNetworkingV1beta1, obj.GetAPIVersion())
	assert.Empty(t, out.Notes)
}

func TestIngressConversionNumericPorts(t *testing.T) {
	for _, tc := range []struct {
		name string
		port any
		want map[string]any
	}{
		{name: "int64", port: int64(8080), want: map[string]any{"number": int64(8080)}},
		{name: "whole float64", port: float64(8080), want: map[string]any{"number": int64(8080)}},
		{name: "name", port: "http", want: map[string]any{"name": "http"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := ingress(IngressExtensionsV1beta1, map[string]any{
				"backend": map[string]any{"serviceName": "app", "servicePort": tc.port},
			})
			require.NoError(t, NewIngressConversion(servedV1Only).Apply(Item{Object: obj}, &Outcome{}))
			port, found, err := unstructured.NestedMap(obj.Object, "spec", "defaultBackend", "service", "port")
			require.NoError(t, err)
			require.True(t, found)
			assert.Equal(t, tc.want, port)
		})
	}
}

func TestIngressConversionRejectsMalformed(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec any
		want string
	}{
		{
			name: "fractional port",
			spec: map[string]any{"backend": map[string]any{"serviceName": "app", "servicePort": 80.5}},
			want: "ingress web/app: spec.backend: servicePort 80.5 is not a 32-bit integer",
		},
		{
			name: "port out of range",
			spec: map[string]any{"backend": map[string]any{"serviceName": "app", "servicePort": int64(1) << 40}},
			want: "ingress web/app: spec.backend: servicePort 1099511627776 is out of range",
		},
		{
			name: "boolean port",
			spec: map[string]any{"backend": map[string]any{"serviceName": "app", "servicePort": true}},
			want: "ingress web/app: spec.backend: servicePort is bool, not a number or a name",
		},
		{
			name: "numeric service name",
			spec: map[string]any{"backend": map[string]any{"serviceName": int64(1)}},
			want: "ingress web/app: spec.backend: serviceName is int64, not a string",
		},
		{
			name: "rules not a list",
			spec: map[string]any{"rules": "x"},
			want: "ingress web/app: spec.rules is string, not a list",
		},
		{
			name: "path backend not an object",
			spec: map[string]any{"rules": []any{map[string]any{"http": map[string]any{
				"paths": []any{map[string]any{"path": "/", "backend": "app"}},
			}}}},
			want: "ingress web/app: spec.rules[0].http.paths[0].backend is string, not an object",
		},
		{
			name: "spec not an object",
			spec: "x",
			want: "ingress web/app: spec is string, not an object",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := ingress(IngressExtensionsV1beta1, nil)
			obj.Object["spec"] = tc.spec
			before := obj.DeepCopy()
			var out Outcome
			err := NewIngressConversion(servedV1Only).Apply(Item{Object: obj}, &out)
			assert.EqualError(t, err, tc.want)
			assert.Equal(t, before, obj, "a malformed Ingress is left as it was")
			assert.Empty(t, out.Notes)
		})
	}
}

func ingress(apiVersion string, spec map[string]any) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": apiVersion,
		"kind":       "Ingress",
		"metadata":   map[string]any{"name": "app", "namespace": "web"},
	}}
	if spec != nil {
		obj.Object["spec"] = spec
	}
	return obj
}
