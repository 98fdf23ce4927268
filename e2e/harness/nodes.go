package harness

import (
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

// defaultNodeCount is how many nodes a cluster gets when ClusterOptions.Nodes is nil: enough to spread
// over every zone of the emulator's largest region.
const defaultNodeCount = 3

// DefaultKubeletRoot is where a node keeps its kubelet's state unless its NodeSpec says otherwise: the
// kubelet's default, which the controller assumes unless told otherwise.
const DefaultKubeletRoot = kubelet.DefaultRoot

// NodeSpec asks for one fake node. Its zero value is a node named after the cluster in the region's
// next zone with the default kubelet root.
type NodeSpec struct {
	// Name is the node's name; "" means "<cluster>-node-<n>", n counting from 1.
	Name string
	// Zone is one of the region's zones; "" means the next zone of the region, round robin.
	Zone string
	// KubeletRoot is the node path of the kubelet's root directory; "" means DefaultKubeletRoot.
	KubeletRoot string
	// Labels are added to the node's own.
	Labels map[string]string
	// NoHBRAgent leaves Cloud Backup's hbr-client off the node, as the label
	// csdr.alibabacloud.com/agent-enable=false does in ACK: HBR jobs on it fail with ClientNotExist.
	NoHBRAgent bool
}

// Node is one fake node of a cluster: a Node object that kwok keeps Ready and whose pods it runs, and a
// host directory that plays the node's filesystem, where a fake kubelet would keep pods' volumes.
type Node struct {
	Name, Region, Zone string
	// InternalIP is unique within the session, in 192.0.2.0/24 (TEST-NET-1: nothing answers there).
	InternalIP string
	// Dir is the host directory that plays the node's "/": <session>/nodes/<cluster>/<node>.
	Dir string
	// KubeletRoot is a node path, for example "/var/lib/kubelet".
	KubeletRoot string
	// HBRAgent says whether the node runs an hbr-client registered with the session's emulated HBR.
	HBRAgent bool
}

// HostPath is where the node path nodePath (for example "/var/lib/kubelet/pods") lives on this machine.
func (n Node) HostPath(nodePath string) string { return filepath.Join(n.Dir, nodePath) }

// NodePath is where a host path inside the node's directory is on the node: HostPath's inverse.
func (n Node) NodePath(hostPath string) (string, error) {
	rel, err := filepath.Rel(n.Dir, hostPath)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%s is not inside node %s's directory %s", hostPath, n.Name, n.Dir)
	}
	return path.Join("/", filepath.ToSlash(rel)), nil
}

// plannedNode is a node before it exists: what Node says plus the extra labels of its spec.
type plannedNode struct {
	Node
	labels map[string]string
}

// regionZones returns the zone IDs of region in the emulator's default model, which is what the
// session's cloud serves.
func regionZones(region string) ([]string, error) {
	var known []string
	for _, r := range ecs.DefaultRegions() {
		if r.ID == region {
			zones := make([]string, 0, len(r.Zones))
			for _, z := range r.Zones {
				zones = append(zones, z.ID)
			}
			return zones, nil
		}
		known = append(known, r.ID)
	}
	return nil, fmt.Errorf("region %q is not one the emulator serves (%v)", region, known)
}

// planNodes names the cluster's nodes, places them in zones and picks their kubelet roots and host
// directories (under nodesDir). specs nil means defaultNodeCount nodes; IPs are assigned later.
func planNodes(cluster, region, nodesDir string, zones []string, specs []NodeSpec) ([]plannedNode, error) {
	if specs == nil {
		specs = make([]NodeSpec, defaultNodeCount)
	}
	out := make([]plannedNode, 0, len(specs))
	seen := map[string]bool{}
	next := 0 // the next zone for a node whose spec names none
	for i, spec := range specs {
		n := plannedNode{Node: Node{Name: spec.Name, Region: region, Zone: spec.Zone, KubeletRoot: spec.KubeletRoot,
			HBRAgent: !spec.NoHBRAgent}, labels: spec.Labels}
		if n.Name == "" {
			n.Name = fmt.Sprintf("%s-node-%d", cluster, i+1)
		}
		if errs := validation.IsDNS1123Subdomain(n.Name); len(errs) > 0 {
			return nil, fmt.Errorf("node %q: invalid name: %v", n.Name, errs)
		}
		if seen[n.Name] {
			return nil, fmt.Errorf("node %q appears twice", n.Name)
		}
		seen[n.Name] = true
		switch {
		case n.Zone == "":
			n.Zone = zones[next%len(zones)]
			next++
		case !slices.Contains(zones, n.Zone):
			return nil, fmt.Errorf("node %q: zone %q is not in region %s (%v)", n.Name, n.Zone, region, zones)
		}
		if n.KubeletRoot == "" {
			n.KubeletRoot = DefaultKubeletRoot
		}
		if !path.IsAbs(n.KubeletRoot) || path.Clean(n.KubeletRoot) != n.KubeletRoot || n.KubeletRoot == "/" {
			return nil, fmt.Errorf("node %q: kubelet root %q is not a clean absolute path below /", n.Name, n.KubeletRoot)
		}
		n.Dir = filepath.Join(nodesDir, n.Name)
		out = append(out, n)
	}
	return out, nil
}
