//go:build e2e

package suite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const selectionObjects = `apiVersion: v1
kind: Namespace
metadata: {name: sysns-app}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sysns-probe, namespace: sysns-app, labels: {csdr-e2e: sysns}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sysns-probe, namespace: kube-system, labels: {csdr-e2e: sysns}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sysns-probe, namespace: kube-public, labels: {csdr-e2e: sysns}}
`

// System namespaces stay out of a backup of everything and come in when the backup names them.
func TestSystemNamespacesOnlyWhenNamed(t *testing.T) {
	parallel(t)
	_, err := env.a.Kubectl(ctx(t), strings.NewReader(selectionObjects), "apply", "-f", "-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = env.a.Kubectl(ctx(t), nil, "delete", "namespace", "sysns-app", "--wait=false")
		_, _ = env.a.Kubectl(ctx(t), nil, "-n", "kube-system", "delete", "configmap", "sysns-probe")
		_, _ = env.a.Kubectl(ctx(t), nil, "-n", "kube-public", "delete", "configmap", "sysns-probe")
	})

	backup(t, env.a, "sysns-all", "--selector", "csdr-e2e=sysns")
	assert.Equal(t, []string{"sysns-app/sysns-probe"}, itemsIn(t, "sysns-all", "v1/ConfigMap"))

	backup(t, env.a, "sysns-named", "--selector", "csdr-e2e=sysns", "--include-namespaces", "sysns-app,kube-system")
	assert.Equal(t, []string{"kube-system/sysns-probe", "sysns-app/sysns-probe"}, itemsIn(t, "sysns-named", "v1/ConfigMap"))
}

// itemsIn lists the items of one kind (`v1/ConfigMap`) `velero backup describe --details` says a backup holds.
func itemsIn(t *testing.T, backupName, kind string) []string {
	t.Helper()
	out, err := env.a.Velero(ctx(t), "backup", "describe", backupName, "--details")
	require.NoError(t, err)
	var items []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == kind+":":
			in = true
		case in && strings.HasPrefix(trimmed, "- "):
			items = append(items, strings.TrimPrefix(trimmed, "- "))
		case in:
			in = false
		}
	}
	return items
}

const dependencyObjects = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: csdr-e2e-disk}
provisioner: diskplugin.csi.alibabacloud.com
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: csdr-e2e-nginx}
spec: {controller: k8s.io/ingress-nginx}
---
apiVersion: v1
kind: Namespace
metadata: {name: deps}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: deps}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: csdr-e2e-disk
  resources: {requests: {storage: 20Gi}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: deps}
spec:
  ingressClassName: csdr-e2e-nginx
  defaultBackend: {service: {name: web, port: {number: 80}}}
---
apiVersion: e2e.csdr.io/v1
kind: Gadget
metadata: {name: g1, namespace: deps}
spec: {size: 3}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: csdr-e2e-critical}
value: 100000
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: deps}
spec:
  replicas: 0
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      priorityClassName: csdr-e2e-critical
      containers: [{name: api, image: docker.io/library/busybox:1.36}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: csdr-e2e-alb}
spec: {controllerName: alb.ingress.k8s.alibabacloud/controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: deps}
spec:
  gatewayClassName: csdr-e2e-alb
  listeners: [{name: http, port: 80, protocol: HTTP}]
`

// gatewayAPICRDs stand in for Gateway API's CRDs (the real ones validate far more; the backup only needs
// the kinds): Gateways are namespaced, GatewayClasses cluster-scoped.
const gatewayAPICRDs = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gateways.gateway.networking.k8s.io
  annotations: {api-approved.kubernetes.io: "https://github.com/kubernetes-sigs/gateway-api/pull/2466"}
spec:
  group: gateway.networking.k8s.io
  scope: Namespaced
  names: {plural: gateways, singular: gateway, kind: Gateway}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gatewayclasses.gateway.networking.k8s.io
  annotations: {api-approved.kubernetes.io: "https://github.com/kubernetes-sigs/gateway-api/pull/2466"}
spec:
  group: gateway.networking.k8s.io
  scope: Cluster
  names: {plural: gatewayclasses, singular: gatewayclass, kind: GatewayClass}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

const gadgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.e2e.csdr.io}
spec:
  group: e2e.csdr.io
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`

// A namespace backup carries the cluster-scoped objects its items need, in every mode where Velero does
// not add them itself, and none when the backup turns cluster resources off. Not parallel: velero server
// learns of a new CRD only when it starts, so the test restarts it.
func TestBackupCarriesDependencies(t *testing.T) {
	_, err := env.a.Kubectl(ctx(t), strings.NewReader(gadgetCRD+"---\n"+gatewayAPICRDs), "apply", "-f", "-")
	require.NoError(t, err)
	_, err = env.a.Kubectl(ctx(t), nil, "wait", "--for=condition=Established", "--timeout=60s", "crd/gadgets.e2e.csdr.io",
		"crd/gateways.gateway.networking.k8s.io", "crd/gatewayclasses.gateway.networking.k8s.io")
	require.NoError(t, err)
	_, err = env.a.Kubectl(ctx(t), strings.NewReader(dependencyObjects), "apply", "-f", "-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = env.a.Kubectl(context.Background(), nil, "delete", "namespace", "deps", "--wait=false")
		_, _ = env.a.Kubectl(context.Background(), nil, "delete", "priorityclass", "csdr-e2e-critical", "--wait=false")
		_, _ = env.a.Kubectl(context.Background(), nil, "delete", "gatewayclass", "csdr-e2e-alb", "--wait=false")
	})
	require.NoError(t, env.a.RestartVelero(ctx(t)))
	require.NoError(t, env.a.WaitForLocation(ctx(t), "default", time.Minute))

	crd := "apiextensions.k8s.io/v1/CustomResourceDefinition"
	ingressClass := "networking.k8s.io/v1/IngressClass"
	storageClass := "storage.k8s.io/v1/StorageClass"
	priorityClass := "scheduling.k8s.io/v1/PriorityClass"
	gatewayClass := "gateway.networking.k8s.io/v1/GatewayClass"
	tests := []struct {
		name  string
		args  []string
		items map[string][]string
	}{
		{"deps-namespace", nil, map[string][]string{
			crd:          {"gadgets.e2e.csdr.io", "gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io"},
			ingressClass: {"csdr-e2e-nginx"}, storageClass: {"csdr-e2e-disk"}, priorityClass: {"csdr-e2e-critical"},
			gatewayClass: {"csdr-e2e-alb"}}},
		{"deps-listed", []string{"--include-resources", "gadgets.e2e.csdr.io,ingresses.networking.k8s.io,persistentvolumeclaims,deployments.apps,gateways.gateway.networking.k8s.io"},
			map[string][]string{crd: {"gadgets.e2e.csdr.io", "gatewayclasses.gateway.networking.k8s.io", "gateways.gateway.networking.k8s.io"}, ingressClass: {"csdr-e2e-nginx"},
				storageClass: {"csdr-e2e-disk"}, priorityClass: {"csdr-e2e-critical"}, gatewayClass: {"csdr-e2e-alb"}}},
		{"deps-no-cluster", []string{"--include-cluster-resources=false"},
			map[string][]string{crd: nil, ingressClass: nil, storageClass: nil, priorityClass: nil, gatewayClass: nil}},
	}
	for _, tt := range tests {
		backup(t, env.a, tt.name, append([]string{"--include-namespaces", "deps"}, tt.args...)...)
		assert.Equal(t, []string{"deps/g1"}, itemsIn(t, tt.name, "e2e.csdr.io/v1/Gadget"), tt.name)
		for kind, want := range tt.items {
			assert.Equal(t, want, itemsIn(t, tt.name, kind), "%s: %s", tt.name, kind)
		}
	}
}
