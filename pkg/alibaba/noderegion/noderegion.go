// Package noderegion reads the cluster's region from its nodes' labels. It is apart from pkg/alibaba
// so that the facts there stay free of the Kubernetes API types, and the code that needs only them
// (config parsers, fuzz targets) compiles without them.
package noderegion

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// Of is the cluster's region: the topology.kubernetes.io/region label its nodes agree on.
// A node without the label has no say (a node still joining, a bare-metal one); two labelled nodes that
// disagree, no labelled node at all, or a label that is not a region ID are errors naming the nodes.
// The controller (HBR's endpoint and vault) and the restore item action (same-region check) both read
// the region here, so they cannot disagree on it.
func Of(nodes []corev1.Node) (string, error) {
	region, from := "", ""
	for _, n := range nodes {
		r := n.Labels[corev1.LabelTopologyRegion]
		switch {
		case r == "":
			continue
		case !alibaba.ValidRegion(r):
			return "", fmt.Errorf("node %s: label %s=%q is not a region ID", n.Name, corev1.LabelTopologyRegion, r)
		case region != "" && r != region:
			return "", fmt.Errorf("nodes are in two regions: %s in %s, %s in %s", from, region, n.Name, r)
		case region == "":
			region, from = r, n.Name
		}
	}
	if region == "" {
		return "", fmt.Errorf("none of the %d nodes has the label %s", len(nodes), corev1.LabelTopologyRegion)
	}
	return region, nil
}
