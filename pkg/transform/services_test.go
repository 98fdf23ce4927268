package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestServicesGolden(t *testing.T) {
	rule := func(opts ServiceOptions) Pipeline {
		r, err := NewServices(opts)
		require.NoError(t, err)
		return Pipeline{r}
	}
	used := map[int64]string{
		30002: "other/ingress-gateway",
		30003: "web/admin",
		32101: "other/edge",
	}
	keep := rule(ServiceOptions{UsedNodePorts: used})
	goldenCases(t, "services", map[string]Pipeline{
		"reused-slb":                 keep,
		"ccm-slb":                    keep,
		"nodeport":                   keep,
		"release":                    rule(ServiceOptions{NodePorts: NodePortsRelease, UsedNodePorts: used}),
		"local-lb":                   keep,
		"local-lb-preserve":          rule(ServiceOptions{PreserveNodePorts: true, UsedNodePorts: used}),
		"local-lb-preserve-conflict": rule(ServiceOptions{PreserveNodePorts: true, UsedNodePorts: used}),
		"untouched":                  keep,
	})
}

func TestNewServicesValidatesNodePorts(t *testing.T) {
	for _, tc := range []struct {
		nodePorts string
		wantErr   string
	}{
		{nodePorts: ""},
		{nodePorts: "keep"},
		{nodePorts: "release"},
		{nodePorts: "Keep", wantErr: `nodePorts "Keep" is not valid: valid values are keep, release`},
		{nodePorts: "random", wantErr: `nodePorts "random" is not valid: valid values are keep, release`},
	} {
		t.Run(tc.nodePorts, func(t *testing.T) {
			r, err := NewServices(ServiceOptions{NodePorts: tc.nodePorts})
			if tc.wantErr != "" {
				assert.EqualError(t, err, tc.wantErr)
				assert.Nil(t, r)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "services", r.Name())
		})
	}
}

// TestServicesRestoresClearedNodePorts hands the rule a Service as Velero's service action leaves it
// (nodePorts and healthCheckNodePort cleared) next to the backup's copy that still has them.
func TestServicesRestoresClearedNodePorts(t *testing.T) {
	backup := testService("LoadBalancer", "Local", int64(32100),
		testServicePort("http", 80, "TCP", int64(30080)),
		testServicePort("dns", 53, "UDP", int64(30053)),
		testServicePort("", 8443, "", float64(30443)))
	for _, tc := range []struct {
		name          string
		opts          ServiceOptions
		object        *unstructured.Unstructured
		fromBackup    *unstructured.Unstructured
		wantNodePorts []any // per port; nil when unset
		wantHealth    any   // nil when unset
		wantNotes     []string
	}{
		{
			name:          "kept from the backup",
			opts:          ServiceOptions{},
			object:        clearedByVelero(backup),
			fromBackup:    backup,
			wantNodePorts: []any{int64(30080), int64(30053), int64(30443)},
			wantNotes: []string{"services: kept the source cluster's nodePorts of Service web/app: " +
				"30080 for port http (80/TCP), 30053 for port dns (53/UDP), 30443 for port 8443/TCP"},
		},
		{
			name: "one held by another Service in the target",
			opts: ServiceOptions{UsedNodePorts: map[int64]string{
				30053: "kube-system/coredns-nodeport",
				30443: "web/app", // this Service's own port, still there from an earlier restore
			}},
			object:        clearedByVelero(backup),
			fromBackup:    backup,
			wantNodePorts: []any{int64(30080), nil, int64(30443)},
			wantNotes: []string{
				"services: nodePort 30053 of port dns (53/UDP) of Service web/app is already allocated to " +
					"Service kube-system/coredns-nodeport in the target cluster: the target cluster allocates another one",
				"services: kept the source cluster's nodePorts of Service web/app: " +
					"30080 for port http (80/TCP), 30443 for port 8443/TCP",
			},
		},
		{
			name:          "one Velero kept as explicit but held by another Service",
			opts:          ServiceOptions{UsedNodePorts: map[int64]string{30080: "other/app"}},
			object:        withNodePort(clearedByVelero(backup), 0, int64(30080)),
			fromBackup:    backup,
			wantNodePorts: []any{nil, int64(30053), int64(30443)},
			wantNotes: []string{
				"services: nodePort 30080 of port http (80/TCP) of Service web/app is already allocated to " +
					"Service other/app in the target cluster: the target cluster allocates another one",
				"services: kept the source cluster's nodePorts of Service web/app: " +
					"30053 for port dns (53/UDP), 30443 for port 8443/TCP",
			},
		},
		{
			name:          "matched by name when the port number changed",
			opts:          ServiceOptions{},
			object:        testService("NodePort", "", nil, testServicePort("http", 8080, "TCP", nil)),
			fromBackup:    testService("NodePort", "", nil, testServicePort("http", 80, "TCP", int64(30080))),
			wantNodePorts: []any{int64(30080)},
			wantNotes: []string{"services: kept the source cluster's nodePorts of Service web/app: " +
				"30080 for port http (8080/TCP)"},
		},
		{
			name:          "released",
			opts:          ServiceOptions{NodePorts: NodePortsRelease},
			object:        clearedByVelero(backup),
			fromBackup:    backup,
			wantNodePorts: []any{nil, nil, nil},
		},
		{
			name:          "no backup copy",
			opts:          ServiceOptions{},
			object:        clearedByVelero(backup),
			wantNodePorts: []any{nil, nil, nil},
		},
		{
			name:          "healthCheckNodePort under preserveNodePorts",
			opts:          ServiceOptions{NodePorts: NodePortsRelease, PreserveNodePorts: true},
			object:        clearedByVelero(backup),
			fromBackup:    backup,
			wantNodePorts: []any{nil, nil, nil},
			wantHealth:    int64(32100),
			wantNotes:     []string{"services: kept the source cluster's healthCheckNodePort 32100 of Service web/app"},
		},
		{
			name: "healthCheckNodePort under preserveNodePorts held by another Service",
			opts: ServiceOptions{NodePorts: NodePortsRelease, PreserveNodePorts: true,
				UsedNodePorts: map[int64]string{32100: "other/lb"}},
			object:        clearedByVelero(backup),
			fromBackup:    backup,
			wantNodePorts: []any{nil, nil, nil},
			wantNotes: []string{"services: healthCheckNodePort 32100 of Service web/app is already allocated to " +
				"Service other/lb in the target cluster: the target cluster allocates another one"},
		},
		{
			name:          "explicit healthCheckNodePort Velero kept, without preserveNodePorts",
			opts:          ServiceOptions{NodePorts: NodePortsRelease},
			object:        withHealthCheckNodePort(clearedByVelero(backup), int64(32100)),
			fromBackup:    backup,
			wantNodePorts: []any{nil, nil, nil},
			wantNotes: []string{"services: removed healthCheckNodePort 32100 of Service web/app: the restore " +
				"does not preserve NodePorts, so the target cluster allocates one"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewServices(tc.opts)
			require.NoError(t, err)
			var backupBefore *unstructured.Unstructured
			if tc.fromBackup != nil {
				backupBefore = tc.fromBackup.DeepCopy()
			}
			var out Outcome
			require.NoError(t, r.Apply(Item{Object: tc.object, FromBackup: tc.fromBackup}, &out))

			ports, found, err := unstructured.NestedSlice(tc.object.Object, "spec", "ports")
			require.NoError(t, err)
			require.True(t, found)
			var got []any
			for _, p := range ports {
				got = append(got, p.(map[string]any)["nodePort"])
			}
			assert.Equal(t, tc.wantNodePorts, got)
			spec := tc.object.Object["spec"].(map[string]any)
			assert.Equal(t, tc.wantHealth, spec["healthCheckNodePort"])
			assert.Equal(t, tc.wantNotes, out.Notes)
			if tc.fromBackup != nil {
				assert.Equal(t, backupBefore, tc.fromBackup, "the backup copy is read-only")
			}
		})
	}
}

func TestServicesRejectsMalformedPorts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		object *unstructured.Unstructured
		want   string
	}{
		{
			name:   "nodePort a string",
			object: testService("NodePort", "", nil, testServicePort("http", 80, "TCP", "30080")),
			want:   "rule services: service web/app: spec.ports[0].nodePort: string is not a port number",
		},
		{
			name:   "fractional healthCheckNodePort",
			object: testService("LoadBalancer", "Local", 32100.5, testServicePort("http", 80, "TCP", nil)),
			want:   "rule services: service web/app: spec.healthCheckNodePort: 32100.5 is not a port number",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewServices(ServiceOptions{PreserveNodePorts: true})
			require.NoError(t, err)
			_, err = Pipeline{r}.Apply(Item{Object: tc.object, FromBackup: tc.object.DeepCopy()})
			assert.EqualError(t, err, tc.want)
		})
	}
}

func testService(typ, trafficPolicy string, healthCheckNodePort any,
	ports ...map[string]any) *unstructured.Unstructured {
	list := make([]any, 0, len(ports))
	for _, p := range ports {
		list = append(list, p)
	}
	spec := map[string]any{"type": typ, "ports": list}
	if trafficPolicy != "" {
		spec["externalTrafficPolicy"] = trafficPolicy
	}
	if healthCheckNodePort != nil {
		spec["healthCheckNodePort"] = healthCheckNodePort
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1",
		"kind":       "Service",
		"metadata":   map[string]any{"name": "app", "namespace": "web"},
		"spec":       spec,
	}}
}

func testServicePort(name string, number int64, protocol string, nodePort any) map[string]any {
	p := map[string]any{"port": number}
	if name != "" {
		p["name"] = name
	}
	if protocol != "" {
		p["protocol"] = protocol
	}
	if nodePort != nil {
		p["nodePort"] = nodePort
	}
	return p
}

// clearedByVelero is the Service as Velero's service action hands it on when it thinks every NodePort was
// allocated automatically.
func clearedByVelero(svc *unstructured.Unstructured) *unstructured.Unstructured {
	out := svc.DeepCopy()
	spec := out.Object["spec"].(map[string]any)
	delete(spec, "healthCheckNodePort")
	for _, p := range spec["ports"].([]any) {
		delete(p.(map[string]any), "nodePort")
	}
	return out
}

func withNodePort(svc *unstructured.Unstructured, i int, nodePort int64) *unstructured.Unstructured {
	svc.Object["spec"].(map[string]any)["ports"].([]any)[i].(map[string]any)["nodePort"] = nodePort
	return svc
}

func withHealthCheckNodePort(svc *unstructured.Unstructured, nodePort int64) *unstructured.Unstructured {
	svc.Object["spec"].(map[string]any)["healthCheckNodePort"] = nodePort
	return svc
}

func TestServicesLoadBalancerNotes(t *testing.T) {
	for _, tc := range []struct {
		name        string
		annotations map[string]any
		labels      map[string]any
		finalizers  []any
		want        []string
	}{
		{
			name:        "reused SLB",
			annotations: map[string]any{"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id": "lb-1"},
			labels:      map[string]any{"service.k8s.alibaba/loadbalancer-id": "lb-1"},
			want: []string{
				`services: Service web/app reuses load balancer lb-1: set service.beta.kubernetes.io/alibaba-cloud-` +
					`loadbalancer-force-override-listeners to "false" so that its listeners are not overridden`,
				"services: removed the source cluster's cloud controller manager bookkeeping from Service web/app " +
					"(label service.k8s.alibaba/loadbalancer-id=lb-1): the target cluster's cloud controller manager " +
					"writes its own",
			},
		},
		{
			name: "empty current annotation hides the legacy one, as in the CCM",
			annotations: map[string]any{
				"service.beta.kubernetes.io/alibaba-cloud-loadbalancer-id": "",
				"service.beta.kubernetes.io/alicloud-loadbalancer-id":      "lb-1",
			},
		},
		{
			name: "CCM-created SLB",
			labels: map[string]any{
				"service.beta.kubernetes.io/hash":     "abc",
				"service.k8s.alibaba/loadbalancer-id": "lb-2",
			},
			finalizers: []any{"service.k8s.alibaba/resources", "service.alibabacloud.com/elb"},
			want: []string{"services: removed the source cluster's cloud controller manager bookkeeping from " +
				"Service web/app (finalizer service.alibabacloud.com/elb, finalizer service.k8s.alibaba/resources, " +
				"label service.beta.kubernetes.io/hash=abc, label service.k8s.alibaba/loadbalancer-id=lb-2): " +
				"the target cluster's cloud controller manager writes its own"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := testService("LoadBalancer", "", nil, testServicePort("", 80, "", nil))
			meta := obj.Object["metadata"].(map[string]any)
			if tc.annotations != nil {
				meta["annotations"] = tc.annotations
			}
			if tc.labels != nil {
				meta["labels"] = tc.labels
			}
			if tc.finalizers != nil {
				meta["finalizers"] = tc.finalizers
			}
			before := obj.DeepCopy()
			r, err := NewServices(ServiceOptions{NodePorts: NodePortsRelease})
			require.NoError(t, err)
			var out Outcome
			require.NoError(t, r.Apply(Item{Object: obj, FromBackup: before.DeepCopy()}, &out))
			assert.Equal(t, tc.want, out.Notes)
			if tc.want == nil {
				assert.Equal(t, before, obj)
			}
		})
	}
}
