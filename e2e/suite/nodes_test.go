//go:build e2e

package suite

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// spread runs three replicas that may not share a node, so every node of a three-node cluster gets one.
const spread = `apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      %[3]s
      containers:
      - name: web
        image: docker.io/library/nginx:1.27
`

// Pods are scheduled onto the kwok nodes of both clusters, each in its own region, and kwok runs them:
// Running, with the node's InternalIP as hostIP and a pod IP.
func TestPodsRunOnNodes(t *testing.T) {
	require.NotEqual(t, env.a.Region(), env.b.Region())
	for _, c := range []*harness.Cluster{env.a, env.b} {
		t.Run(c.Name+"-"+c.Region(), func(t *testing.T) {
			t.Parallel()
			nodes := c.Nodes()
			require.Len(t, nodes, 3)
			checkNodeObjects(t, c)
			antiAffinity := `affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: web}}}]}}`
			pods := runPods(t, c, "nodes-run", len(nodes), antiAffinity)
			onNode := map[string]bool{}
			for _, p := range pods {
				onNode[p.Spec.NodeName] = true
			}
			assert.Len(t, onNode, len(nodes), "one replica on each node")
		})
	}
}

// A node can keep its kubelet elsewhere than /var/lib/kubelet, as some ACK node pools do; its directory
// has that root, and the default one does not exist there.
func TestNodeWithCustomKubeletRoot(t *testing.T) {
	parallel(t)
	c, err := env.session.StartClusterWith(ctx(t), "custom-root", harness.ClusterOptions{Region: "cn-shanghai",
		Nodes: []harness.NodeSpec{{Name: "data-node", KubeletRoot: "/data/kubelet", Labels: map[string]string{"pool": "data"}}}})
	if c != nil {
		t.Cleanup(c.Stop)
	}
	require.NoError(t, err)
	n, ok := c.Node("data-node")
	require.True(t, ok)
	assert.Equal(t, "/data/kubelet", n.KubeletRoot)
	assert.Equal(t, "cn-shanghai", n.Region)
	assert.DirExists(t, n.HostPath("/data/kubelet/pods"))
	assert.NoDirExists(t, n.HostPath("/var/lib/kubelet"))
	checkNodeObjects(t, c)

	var node corev1.Node
	require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Name: "data-node"}, &node))
	assert.Equal(t, "data", node.Labels["pool"])
	pods := runPods(t, c, "custom-root", 1, `nodeSelector: {pool: data}`)
	assert.Equal(t, "data-node", pods[0].Spec.NodeName)
}

// checkNodeObjects compares the cluster's Node objects with what Cluster.Nodes says about them.
func checkNodeObjects(t *testing.T, c *harness.Cluster) {
	t.Helper()
	_, testNet1, err := net.ParseCIDR("192.0.2.0/24")
	require.NoError(t, err)
	for _, n := range c.Nodes() {
		var node corev1.Node
		require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Name: n.Name}, &node))
		assert.Equal(t, c.Region(), n.Region)
		assert.Equal(t, n.Region, node.Labels[corev1.LabelTopologyRegion], n.Name)
		assert.Equal(t, n.Zone, node.Labels[corev1.LabelTopologyZone], n.Name)
		assert.Equal(t, n.Zone, node.Labels[alibaba.DiskZoneKey], n.Name)
		assert.Equal(t, n.Name, node.Labels[corev1.LabelHostname])
		assert.True(t, strings.HasPrefix(n.Zone, n.Region+"-"), "zone %s of region %s", n.Zone, n.Region)
		assert.True(t, testNet1.Contains(net.ParseIP(n.InternalIP)), n.InternalIP)
		assert.Contains(t, node.Status.Addresses, corev1.NodeAddress{Type: corev1.NodeInternalIP, Address: n.InternalIP})
		assert.Equal(t, "fake", node.Annotations["kwok.x-k8s.io/node"])
		info, err := os.Stat(n.HostPath(n.KubeletRoot + "/pods"))
		if assert.NoError(t, err) {
			assert.True(t, info.IsDir())
		}
	}
}

// runPods deploys replicas of a Deployment in a new namespace of c and waits until every pod runs on one
// of c's nodes with that node's IP as hostIP and a pod IP of its own.
func runPods(t *testing.T, c *harness.Cluster, ns string, replicas int, podSpec string) []corev1.Pod {
	t.Helper()
	_, err := c.Kubectl(ctx(t), strings.NewReader(fmt.Sprintf(spread, ns, replicas, podSpec)), "apply", "-f", "-")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = c.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false") })
	var pods corev1.PodList
	eventually(t, time.Minute, fmt.Sprintf("%d pods Running in %s/%s", replicas, c.Name, ns), func() (bool, string) {
		if err := c.Client.List(ctx(t), &pods, client.InNamespace(ns)); err != nil {
			return false, err.Error()
		}
		var waiting []string
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
				waiting = append(waiting, fmt.Sprintf("%s: %s on %q", p.Name, p.Status.Phase, p.Spec.NodeName))
			}
		}
		return len(pods.Items) == replicas && len(waiting) == 0, fmt.Sprintf("%d pods; waiting: %v", len(pods.Items), waiting)
	})
	podIPs := map[string]bool{}
	for _, p := range pods.Items {
		node, ok := c.Node(p.Spec.NodeName)
		require.True(t, ok, "pod %s runs on %q, not a node of the cluster", p.Name, p.Spec.NodeName)
		assert.Equal(t, node.InternalIP, p.Status.HostIP, p.Name)
		assert.NotNil(t, net.ParseIP(p.Status.PodIP), p.Name)
		assert.False(t, podIPs[p.Status.PodIP], "pod IP %s given twice", p.Status.PodIP)
		podIPs[p.Status.PodIP] = true
	}
	return pods.Items
}

// A cluster's identity (what HBR registers it by) is its kube-system namespace's UID: stable, and
// different in every cluster.
func TestClusterIdentity(t *testing.T) {
	ids := map[string]string{}
	for _, c := range []*harness.Cluster{env.a, env.b} {
		id, err := c.Identity(ctx(t))
		require.NoError(t, err)
		uid, err := c.Kubectl(ctx(t), nil, "get", "namespace", "kube-system", "-o", "jsonpath={.metadata.uid}")
		require.NoError(t, err)
		assert.Equal(t, uid, id, c.Name)
		again, err := c.Identity(ctx(t))
		require.NoError(t, err)
		assert.Equal(t, id, again)
		ids[id] = c.Name
	}
	assert.Len(t, ids, 2, "two clusters, two identities")
}
