//go:build e2e

package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	veleroclient "github.com/vmware-tanzu/velero/pkg/client"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/restoreaction"
)

// readerObjects are more nodes, Services and StorageClasses than one page of the reader below holds.
const readerObjects = `apiVersion: v1
kind: Namespace
metadata: {name: reader}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: csdr-e2e-reader-1}
provisioner: diskplugin.csi.alibabacloud.com
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: csdr-e2e-reader-2
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: nasplugin.csi.alibabacloud.com
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: csdr-e2e-reader-3}
provisioner: diskplugin.csi.alibabacloud.com
`

// The reader our restore actions build their rules from, on a real API server, through Velero's own
// client factory as velero server gives it to plugins: lists come in pages, nodes as metadata only, and
// the global configuration is found whatever value its velero.io/plugin-config label has. Not parallel:
// the nodes it adds, and a global configuration, would reach other tests' restores.
func TestRestoreReaderOnARealAPIServer(t *testing.T) {
	c := env.a
	_, err := c.Kubectl(ctx(t), strings.NewReader(readerObjects), "apply", "-f", "-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = c.Kubectl(context.Background(), nil, "delete", "namespace", "reader", "--wait=false")
		_, _ = c.Kubectl(context.Background(), nil, "delete", "storageclass", "csdr-e2e-reader-1", "csdr-e2e-reader-2", "csdr-e2e-reader-3")
	})
	for i := range 5 {
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("csdr-e2e-reader-%d", i),
			Labels: map[string]string{corev1.LabelHostname: fmt.Sprintf("host-%d", i), corev1.LabelTopologyZone: fmt.Sprintf("cn-hangzhou-%c", 'h'+i%3)}}}
		require.NoError(t, c.Client.Create(ctx(t), node))
		t.Cleanup(func() { _ = c.Client.Delete(context.Background(), node) })
		svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc-%d", i), Namespace: "reader"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{Port: 80, NodePort: int32(31700 + i)}}}}
		require.NoError(t, c.Client.Create(ctx(t), svc))
	}

	factory := veleroclient.NewFactory("e2e", veleroclient.VeleroConfig{})
	flags := pflag.NewFlagSet("e2e", pflag.ContinueOnError)
	factory.BindFlags(flags)
	require.NoError(t, flags.Parse([]string{"--kubeconfig", c.Kubeconfig, "--namespace", harness.VeleroNamespace}))
	reader := restoreaction.NewKubeReader(factory)
	reader.PageSize = 2

	cluster, err := reader.Cluster(ctx(t))
	require.NoError(t, err)
	for i := range 5 {
		assert.Contains(t, cluster.Nodes, fmt.Sprintf("csdr-e2e-reader-%d", i))
		assert.Contains(t, cluster.Nodes, fmt.Sprintf("host-%d", i), "pins name nodes by hostname too")
		assert.Equal(t, "reader/"+fmt.Sprintf("svc-%d", i), cluster.UsedNodePorts[int64(31700+i)])
	}
	assert.Subset(t, cluster.Zones, []string{"cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"})
	for _, name := range []string{"csdr-e2e-reader-1", "csdr-e2e-reader-2", "csdr-e2e-reader-3"} {
		assert.Contains(t, cluster.StorageClasses, name)
	}
	assert.True(t, cluster.StorageClasses["csdr-e2e-reader-2"].Default)
	assert.False(t, cluster.StorageClasses["csdr-e2e-reader-1"].Default)
	assert.True(t, cluster.ServedAPIVersions["networking.k8s.io/v1"])

	for _, value := range []string{"", "true"} {
		t.Run("plugin-config label "+value, func(t *testing.T) {
			cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "csdr-restore-reader", Namespace: harness.VeleroNamespace,
				Labels: map[string]string{"velero.io/plugin-config": value, "csdr.io/restore-config": "RestoreItemAction"}},
				Data: map[string]string{"nodePins": "true"}}
			require.NoError(t, c.Client.Create(ctx(t), cm))
			defer func() { _ = c.Client.Delete(context.Background(), cm) }()
			src, err := reader.GlobalConfig(ctx(t))
			require.NoError(t, err)
			require.NotNil(t, src, "the global configuration is found")
			assert.Equal(t, "velero/csdr-restore-reader", src.Name)
		})
	}
}
