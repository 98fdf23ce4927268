package harness

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// kwok manages the nodes that carry this annotation (--manage-nodes-with-annotation-selector), as its
// documentation's node template does; nodes without it are left to a real kubelet.
const (
	kwokNodeAnnotation = "kwok.x-k8s.io/node"
	kwokNodeValue      = "fake"
)

// nodeCapacity is generous: the scheduler should never be why a test's pod stays Pending.
var nodeCapacity = corev1.ResourceList{
	corev1.ResourceCPU:    resource.MustParse("32"),
	corev1.ResourceMemory: resource.MustParse("256Gi"),
	corev1.ResourcePods:   resource.MustParse("250"),
}

// nodeObject is the Node a kubelet of an ACK node would register: the well-known labels, the zone in
// both the Kubernetes and the Alibaba disk topology keys (ACK's disk CSI driver schedules by the
// latter), and the node's addresses. Status is kept on create; kwok's node-initialize stage adds the
// conditions and keeps the addresses and capacity given here.
func nodeObject(n plannedNode) *corev1.Node {
	labels := map[string]string{}
	for k, v := range n.labels {
		labels[k] = v
	}
	for k, v := range map[string]string{
		corev1.LabelHostname:       n.Name,
		corev1.LabelOSStable:       "linux",
		corev1.LabelArchStable:     "amd64",
		"type":                     "kwok",
		corev1.LabelTopologyRegion: n.Region,
		corev1.LabelTopologyZone:   n.Zone,
		alibaba.DiskZoneKey:        n.Zone,
	} {
		labels[k] = v
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        n.Name,
			Labels:      labels,
			Annotations: map[string]string{kwokNodeAnnotation: kwokNodeValue},
		},
		Status: corev1.NodeStatus{
			Capacity:    nodeCapacity.DeepCopy(),
			Allocatable: nodeCapacity.DeepCopy(),
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: n.InternalIP},
				{Type: corev1.NodeHostName, Address: n.Name},
			},
			NodeInfo: corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64"},
		},
	}
}
