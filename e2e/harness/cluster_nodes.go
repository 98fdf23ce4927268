package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
)

// Region is the cloud region the cluster runs in, as its nodes' topology labels say.
func (c *Cluster) Region() string { return c.region }

// Nodes returns the cluster's fake nodes in the order their specs gave.
func (c *Cluster) Nodes() []Node { return slices.Clone(c.nodes) }

// Node returns the node named name.
func (c *Cluster) Node(name string) (Node, bool) {
	for _, n := range c.nodes {
		if n.Name == name {
			return n, true
		}
	}
	return Node{}, false
}

// Identity is the UID of the kube-system namespace, which stays for the cluster's life: what a backup
// service (ACK's Backup Center, HBR's container cluster) knows the cluster by.
func (c *Cluster) Identity(ctx context.Context) (string, error) {
	var ns corev1.Namespace
	if err := c.Client.Get(ctx, types.NamespacedName{Name: "kube-system"}, &ns); err != nil {
		return "", fmt.Errorf("cluster %s: read namespace kube-system: %w", c.Name, err)
	}
	return string(ns.UID), nil
}

// planNodes decides the cluster's nodes and gives them the session's next IPs; nothing exists yet.
func (c *Cluster) planNodes() ([]plannedNode, error) {
	zones, err := regionZones(c.region)
	if err != nil {
		return nil, err
	}
	planned, err := planNodes(c.Name, c.region, filepath.Join(c.session.Dir, "nodes", c.Name), zones, c.opts.Nodes)
	if err != nil {
		return nil, err
	}
	ips, err := c.session.addrs.nodeIPs(len(planned))
	if err != nil {
		return nil, err
	}
	for i := range planned {
		planned[i].InternalIP = ips[i]
	}
	return planned, nil
}

// createNodes makes each node's directory with its kubelet's pods directory, then its Node object.
func (c *Cluster) createNodes(ctx context.Context, planned []plannedNode) error {
	for _, n := range planned {
		if err := os.MkdirAll(n.HostPath(filepath.Join(n.KubeletRoot, "pods")), 0o755); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
		if err := c.Client.Create(ctx, nodeObject(n)); err != nil {
			return fmt.Errorf("create node %s: %w", n.Name, err)
		}
		c.nodes = append(c.nodes, n.Node)
	}
	return nil
}

// nodesReady fails until every node of the cluster is Ready and carries none of the taints the node
// lifecycle controller puts on a node that is not: only then does the scheduler place pods on it.
func (c *Cluster) nodesReady(ctx context.Context) error {
	var notReady []string
	for _, n := range c.nodes {
		var node corev1.Node
		if err := c.Client.Get(ctx, types.NamespacedName{Name: n.Name}, &node); err != nil {
			if apierrors.IsNotFound(err) {
				return fmt.Errorf("node %s is gone", n.Name)
			}
			return err
		}
		if why := unready(&node); why != "" {
			notReady = append(notReady, n.Name+": "+why)
		}
	}
	if len(notReady) > 0 {
		return errors.New("nodes not ready: " + strings.Join(notReady, "; "))
	}
	return nil
}

func unready(node *corev1.Node) string {
	ready := false
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			ready = cond.Status == corev1.ConditionTrue
		}
	}
	if !ready {
		return "condition Ready is not True"
	}
	for _, t := range node.Spec.Taints {
		if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
			return "tainted " + t.Key
		}
	}
	return ""
}
