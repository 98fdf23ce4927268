package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

func TestNodeObject(t *testing.T) {
	n := plannedNode{
		Node: Node{Name: "b-node-2", Region: "cn-beijing", Zone: "cn-beijing-i", InternalIP: "192.0.2.14",
			KubeletRoot: DefaultKubeletRoot},
		// An extra label cannot override the node's topology: the zone is what the harness planned.
		labels: map[string]string{"pool": "db", corev1.LabelTopologyZone: "elsewhere"},
	}
	obj := nodeObject(n)

	assert.Equal(t, "b-node-2", obj.Name)
	assert.Equal(t, map[string]string{
		"kubernetes.io/hostname":        "b-node-2",
		"kubernetes.io/os":              "linux",
		"kubernetes.io/arch":            "amd64",
		"type":                          "kwok",
		"topology.kubernetes.io/region": "cn-beijing",
		"topology.kubernetes.io/zone":   "cn-beijing-i",
		alibaba.DiskZoneKey:             "cn-beijing-i",
		"pool":                          "db",
	}, obj.Labels)
	assert.Equal(t, map[string]string{"kwok.x-k8s.io/node": "fake"}, obj.Annotations)
	assert.Empty(t, obj.Spec.Taints, "pods must schedule without tolerations")
	assert.Equal(t, []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: "192.0.2.14"},
		{Type: corev1.NodeHostName, Address: "b-node-2"},
	}, obj.Status.Addresses)
	for _, list := range []corev1.ResourceList{obj.Status.Capacity, obj.Status.Allocatable} {
		assert.Equal(t, int64(32), list.Cpu().Value())
		assert.Equal(t, int64(250), list.Pods().Value())
		assert.GreaterOrEqual(t, list.Memory().Value(), int64(64<<30))
	}
	// No condition: kwok's node-initialize stage makes the node Ready, so a node kwok does not manage
	// never looks healthy.
	assert.Empty(t, obj.Status.Conditions)
}
