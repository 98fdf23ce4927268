package harness

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
)

// VeleroNamespace is where Velero's objects live in every harness cluster.
const VeleroNamespace = "velero"

// veleroPeriod is the server's --backup-sync-period, --store-validation-frequency and
// --garbage-collection-frequency: seconds instead of Velero's minutes and hours, so tests see the
// effects quickly. The backup sync still runs once a minute: see SyncPeriod.
const veleroPeriod = 5 * time.Second

// SyncPeriod is how often a velero server syncs each location's backups from the vault: a minute,
// whatever a shorter --backup-sync-period says, because Velero 1.18.3's backup sync controller
// enqueues its locations once a minute (backupSyncReconcilePeriod) and the flag only skips ticks.
const SyncPeriod = time.Minute

// veleroPlaceholder stands in for the Deployment `velero install` creates: the built-in pod-volume
// restore action reads its image when it starts, and restores of pods fail without it.
const veleroPlaceholder = `apiVersion: v1
kind: Namespace
metadata:
  name: velero
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: velero
  namespace: velero
  labels: {component: velero}
spec:
  replicas: 0
  selector:
    matchLabels: {deploy: velero}
  template:
    metadata:
      labels: {deploy: velero, component: velero}
    spec:
      containers:
      - name: velero
        image: velero/velero:%s
`

// InstallVelero installs Velero's CRDs, namespace and placeholder Deployment. The server itself runs
// here as a local process (StartVelero), not as the Deployment's pod.
func (c *Cluster) InstallVelero(ctx context.Context) error {
	crds, err := c.Velero(ctx, "install", "--crds-only", "--dry-run", "--output=yaml")
	if err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, strings.NewReader(crds), "apply", "--server-side", "-f", "-"); err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, nil, "wait", "--for=condition=Established", "--timeout=60s", "crd", "-l", "component=velero"); err != nil {
		return err
	}
	manifest := fmt.Sprintf(veleroPlaceholder, c.session.Bins.VeleroVersion)
	_, err = c.Kubectl(ctx, strings.NewReader(manifest), "apply", "-f", "-")
	return err
}

// StartVelero starts `velero server` with our plugin and waits until its controllers answer. Velero
// reads API discovery at start-up (and then every 5 minutes): start it after installing CRDs whose
// objects a backup must contain, or restart it.
func (c *Cluster) StartVelero(ctx context.Context) error {
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	period := veleroPeriod.String()
	args := append([]string{"server", "--kubeconfig=" + c.Kubeconfig, "--namespace=" + VeleroNamespace,
		"--plugin-dir=" + c.PluginDir(), "--metrics-address=" + loopback(ports[0]), "--profiler-address=",
		"--backup-sync-period=" + period, "--store-validation-frequency=" + period,
		"--garbage-collection-frequency=" + period,
		// Velero asks async item operations (our filesystem volumes' HBR jobs) for progress every 10s by
		// default; tests wait for them to finish.
		"--item-operation-sync-frequency=2s", "--log-level=debug"}, c.opts.VeleroServerArgs...)
	env := append(slices.Clone(c.env), c.opts.VeleroServerEnv...)
	proc, err := c.session.Procs.Start(c.Name+"/velero-server", c.logPath("velero-server"), env, c.session.Bins.Velero, args...)
	if err != nil {
		return err
	}
	c.velero = proc
	// `velero version` asks the server through a ServerStatusRequest, which only running controllers answer.
	return waitFor(ctx, 90*time.Second, "velero server", proc, func(ctx context.Context) error {
		out, err := c.Velero(ctx, "version", "--timeout=5s")
		if err != nil {
			return err
		}
		if !strings.Contains(out, "Server:") || strings.Contains(out, "<error getting server version") {
			return fmt.Errorf("server not answering yet: %s", out)
		}
		return nil
	})
}

// RestartVelero stops and starts `velero server`, for example to pick up new CRDs at once.
func (c *Cluster) RestartVelero(ctx context.Context) error {
	if c.velero != nil {
		c.velero.Stop()
	}
	return c.StartVelero(ctx)
}

// PluginDir is the --plugin-dir of the cluster's velero server.
func (c *Cluster) PluginDir() string {
	if c.opts.PluginDir != "" {
		return c.opts.PluginDir
	}
	return c.session.Bins.PluginDir
}

// VeleroServer is the running `velero server` process.
func (c *Cluster) VeleroServer() *Process { return c.velero }

// PluginPIDs returns the running processes of our plugin binary that this cluster's Velero started.
func (c *Cluster) PluginPIDs() []int {
	if c.velero == nil {
		return nil
	}
	var pids []int
	for _, p := range procfs.List() {
		if p.PPID == c.velero.PID() && !p.Zombie() && filepath.Dir(procfs.Exe(p.PID)) == c.PluginDir() {
			pids = append(pids, p.PID)
		}
	}
	return pids
}
