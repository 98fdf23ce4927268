package harness

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	hbrcloud "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// HBRState is the emulated Cloud Backup: vaults, container clusters, agents, jobs, snapshots and the
// bytes its store holds.
func (c *Cloud) HBRState(ctx context.Context) (hbr.State, error) {
	var st hbr.State
	return st, c.admin(ctx, "GET", "/hbr/state", nil, &st)
}

// AddHBRAgent registers the hbr-client of node n of the cluster whose identity is cluster, as
// installing ACK's hbr-client DaemonSet on the node would.
func (c *Cloud) AddHBRAgent(ctx context.Context, cluster string, n Node) error {
	agent := hbr.Agent{Cluster: cluster, Node: n.Name, IP: n.InternalIP, Region: n.Region, RootDir: n.Dir, KubeletRoot: n.KubeletRoot}
	return c.admin(ctx, "POST", "/hbr/agents", agent, nil)
}

// RemoveHBRAgent takes the hbr-client off a node: its jobs fail with ClientNotExist from then on.
func (c *Cloud) RemoveHBRAgent(ctx context.Context, cluster, node string) error {
	return c.admin(ctx, "DELETE", "/hbr/agents/"+url.PathEscape(cluster)+"/"+url.PathEscape(node), nil, nil)
}

// registerHBRAgents puts an hbr-client on every node that wants one, keyed by the cluster's identity,
// which is what the controller registers as the container cluster's Identifier. Without a cloud
// there is nothing to register with.
func (c *Cluster) registerHBRAgents(ctx context.Context) error {
	cloud := c.session.Cloud()
	if cloud == nil {
		return nil
	}
	id, err := c.Identity(ctx)
	if err != nil {
		return err
	}
	for _, n := range c.nodes {
		if !n.HBRAgent {
			continue
		}
		if err := cloud.AddHBRAgent(ctx, id, n); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	return nil
}

// HBRClient is a client of the emulated Cloud Backup through the code the controller uses (the real
// SDK), with the session's key.
func (c *Cloud) HBRClient() (hbrcloud.Client, error) {
	return hbrcloud.New(hbrcloud.Config{Endpoint: c.Endpoint,
		Credentials: staticCredentials{AccessKeyID: c.accessKeyID, AccessKeySecret: c.AccessKeySecret}})
}

// SetHBRSettings changes how the emulated Cloud Backup behaves (throughput, delays, activation); the
// fields a caller leaves zero still replace the current ones, as the admin endpoint takes them whole.
func (c *Cloud) SetHBRSettings(ctx context.Context, set hbr.Settings) error {
	return c.admin(ctx, http.MethodPost, "/hbr/settings", set, nil)
}
