// Package demo is the main job, end to end: back up an application in cluster A to an OSS vault, let
// cluster B find the backup through the vault alone, restore it there, and check the result. `make demo`
// runs it for people, and the e2e suite runs it so it cannot rot.
package demo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

const (
	vaultBucket = "cnfs-oss-demo"
	vaultPrefix = "ack-demo"
	backupName  = "shop-migration"
	appNS       = "shop"
	// restoreConfig is the ConfigMap in cluster B that configures the restore (examples/demo-app/restore-config.yaml).
	restoreConfig = "shop-to-beijing"
	credsSecret   = "alibabacloud-credentials"
)

// Run runs the demo and prints its progress and report to out. Everything it starts is stopped before
// it returns, also when ctx is cancelled (Ctrl-C); a failed run keeps its logs and says where.
func Run(ctx context.Context, layout harness.Layout, out io.Writer) (err error) {
	d := &demo{out: out, layout: layout, started: time.Now()}
	var bins harness.Binaries
	if err := d.step("build the components (incremental)", func() error {
		bins, err = layout.Build(ctx, out)
		return err
	}); err != nil {
		return err
	}
	if d.session, err = layout.NewSession(bins, "demo"); err != nil {
		return err
	}
	defer func() {
		failed := err != nil
		if closeErr := d.session.Close(failed); closeErr != nil {
			err = errors.Join(err, closeErr)
		}
		if failed {
			fmt.Fprintf(out, "\nlogs of every component are kept in %s\n", d.session.Dir)
		}
	}()
	for _, s := range []struct {
		name string
		fn   func(context.Context) error
	}{
		{"start the emulated Alibaba Cloud (OSS, ECS and HBR)", d.startCloud},
		{"start cluster A in " + regionA + " (control plane, scheduler, kwok nodes, csdr-controller)", d.startClusterA},
		{"deploy the demo application from examples/demo-app", d.deployApp},
		{"cluster A: the database writes its files into its disk volume, through the node's kubelet path", d.writeData},
		{"start velero server in cluster A with the plugin", func(ctx context.Context) error { return d.a.StartVelero(ctx) }},
		{"cluster A: create the backup location on the vault and the disk snapshot location", d.createLocationA},
		{"cluster A: back up namespace " + appNS + ", with a snapshot of its disk", d.backup},
		{"start cluster B in " + regionB + " with csdr-controller", d.startClusterB},
		{"cluster B: install Velero: a read-only location on the vault, disk snapshots in " + regionB +
			"; its own disk class and the restore's configuration", d.installB},
		{"cluster B: wait for the backup to sync from the vault", d.waitForSync},
		{"cluster B: restore the backup, images from a registry in " + regionB + ", the database on cluster B's disk class", d.restore},
		{"cluster B: check the restored application against cluster A", d.check},
		{"cluster B: the database runs next to its new disk, with cluster A's files byte for byte", d.checkData},
		{"check the processes' listeners (loopback only)", d.checkListeners},
	} {
		if err := d.step(s.name, func() error { return s.fn(ctx) }); err != nil {
			return err
		}
	}
	return d.report(ctx)
}

type stepTime struct {
	name string
	took time.Duration
}

type demo struct {
	out     io.Writer
	layout  harness.Layout
	session *harness.Session
	cloud   *harness.Cloud
	a, b    *harness.Cluster
	started time.Time
	steps   []stepTime
	result  result
}

func (d *demo) step(name string, fn func() error) error {
	fmt.Fprintf(d.out, "\n==> %s\n", name)
	start := time.Now()
	err := fn()
	d.steps = append(d.steps, stepTime{name, time.Since(start)})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	fmt.Fprintf(d.out, "    done in %s\n", time.Since(start).Round(10*time.Millisecond))
	return nil
}

func (d *demo) startCloud(ctx context.Context) (err error) {
	d.cloud, err = d.session.StartCloud(ctx, vaultBucket)
	if err == nil {
		fmt.Fprintf(d.out, "    OSS endpoint %s (region %s), bucket %s\n", d.cloud.Endpoint, d.cloud.Region, vaultBucket)
	}
	return err
}

func (d *demo) startClusterA(ctx context.Context) (err error) {
	if d.a, err = d.session.StartClusterWith(ctx, "a", harness.ClusterOptions{Region: regionA}); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    API server %s, nodes %s\n", d.a.Server, nodeList(d.a))
	if err := d.a.InstallVelero(ctx); err != nil {
		return err
	}
	return d.startController(ctx, d.a)
}

func (d *demo) startClusterB(ctx context.Context) (err error) {
	if d.b, err = d.session.StartClusterWith(ctx, "b", harness.ClusterOptions{Region: regionB}); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    API server %s, nodes %s\n", d.b.Server, nodeList(d.b))
	if err := d.b.InstallVelero(ctx); err != nil {
		return err
	}
	return d.startController(ctx, d.b)
}

// startController installs csdr-controller from deploy/ and runs it as a local process (its
// Deployment's pod would be one of kwok's fakes).
func (d *demo) startController(ctx context.Context, c *harness.Cluster) error {
	fmt.Fprintf(d.out, "    $ kubectl apply --server-side -k deploy/   # in cluster %s; csdr-controller runs here as a process\n", c.Name)
	if err := c.InstallController(ctx); err != nil {
		return err
	}
	return c.StartController(ctx)
}

// installB creates the location before the server starts, as `velero install --bucket ...` does.
func (d *demo) installB(ctx context.Context) error {
	if err := d.createLocation(ctx, d.b, "ReadOnly"); err != nil {
		return err
	}
	if err := d.createSnapshotLocation(ctx, d.b, regionB, zoneB); err != nil {
		return err
	}
	dir := filepath.Join(d.layout.Repo, "examples", "demo-app")
	for _, f := range []string{"cluster-b.yaml", "restore-config.yaml"} {
		if err := d.kubectl(ctx, d.b, "apply", "-f", filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	fmt.Fprintf(d.out, "    velero server starts in cluster B\n")
	if err := d.b.StartVelero(ctx); err != nil {
		return err
	}
	return d.b.WaitForLocation(ctx, "default", 60*time.Second)
}

// deployApp applies the example application. It runs before Velero starts because Velero reads the
// API's resource types once at start-up (then every 5 minutes), and the app brings its own CRD.
func (d *demo) deployApp(ctx context.Context) error {
	dir := filepath.Join(d.layout.Repo, "examples", "demo-app")
	if err := d.kubectl(ctx, d.a, "apply", "-f", filepath.Join(dir, "cluster-a.yaml")); err != nil {
		return err
	}
	if err := d.kubectl(ctx, d.a, "apply", "-f", filepath.Join(dir, "crd.yaml")); err != nil {
		return err
	}
	if err := d.kubectl(ctx, d.a, "wait", "--for=condition=Established", "--timeout=60s", "crd/promotions.shop.example.com"); err != nil {
		return err
	}
	if err := d.kubectl(ctx, d.a, "apply", "-f", filepath.Join(dir, "app.yaml")); err != nil {
		return err
	}
	// The controllers make the ReplicaSet and the pods; the scheduler puts the database's pod on a node,
	// and the CSI layer provisions its claim's disk in that node's zone.
	return nil
}

func (d *demo) createLocationA(ctx context.Context) error {
	if err := d.createLocation(ctx, d.a, "ReadWrite"); err != nil {
		return err
	}
	if err := d.createSnapshotLocation(ctx, d.a, regionA, zoneA); err != nil {
		return err
	}
	return d.a.WaitForLocation(ctx, "default", 60*time.Second)
}

func (d *demo) createLocation(ctx context.Context, c *harness.Cluster, mode string) error {
	if err := d.kubectl(ctx, c, "-n", harness.VeleroNamespace, "create", "secret", "generic", credsSecret,
		"--from-file=cloud="+d.cloud.SecretFile); err != nil {
		return err
	}
	return d.velero(ctx, c, "backup-location", "create", "default", "--provider", "alibabacloud",
		"--bucket", vaultBucket, "--prefix", vaultPrefix,
		"--config", "region="+d.cloud.Region+",endpoint="+d.cloud.Endpoint,
		"--credential", credsSecret+"=cloud", "--access-mode", mode, "--default")
}

func (d *demo) backup(ctx context.Context) error {
	if err := d.velero(ctx, d.a, "backup", "create", backupName, "--include-namespaces", appNS,
		"--snapshot-volumes", "--volume-snapshot-locations", "default", "--wait"); err != nil {
		return err
	}
	b, err := d.a.Backup(ctx, backupName)
	if err != nil {
		return err
	}
	if err := harness.BackupCompleted(b); err != nil {
		return err
	}
	d.result.backup = b
	return nil
}

// waitForSync restarts B's server first: Velero syncs backups from available locations when it starts
// and then once a minute, and at its first start the new location was not validated yet. A user would
// wait up to a minute instead (or restart the velero pod).
func (d *demo) waitForSync(ctx context.Context) error {
	fmt.Fprintf(d.out, "    velero server restarts in cluster B, to sync now rather than at its next one-minute tick\n")
	if err := d.b.RestartVelero(ctx); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    $ velero backup get %s   # in cluster b, until the backup sync finds it\n", backupName)
	b, err := d.b.WaitForBackup(ctx, backupName, 60*time.Second)
	if err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    found %s (%s), created in cluster A at %s\n", b.Name, b.Status.Phase, b.Status.StartTimestamp.Format(time.RFC3339))
	return nil
}

func (d *demo) restore(ctx context.Context) error {
	if err := d.velero(ctx, d.b, "restore", "create", backupName, "--from-backup", backupName,
		"--labels", "csdr.io/config="+restoreConfig, "--wait"); err != nil {
		return err
	}
	r, err := d.b.Restore(ctx, backupName)
	if err != nil {
		return err
	}
	if err := harness.RestoreCompleted(r); err != nil {
		return err
	}
	d.result.restore = r
	return nil
}

func (d *demo) checkListeners(context.Context) error {
	ls, err := d.session.Listeners()
	d.result.listeners = len(ls)
	if err == nil {
		fmt.Fprintf(d.out, "    %d listening sockets, every one on 127.0.0.1\n", len(ls))
	}
	return err
}

// kubectl and velero print the command as a user would type it in that cluster, then run it.
func (d *demo) kubectl(ctx context.Context, c *harness.Cluster, args ...string) error {
	fmt.Fprintf(d.out, "    $ kubectl %s   # in cluster %s\n", shellJoin(args), c.Name)
	_, err := c.Kubectl(ctx, nil, args...)
	return err
}

func (d *demo) velero(ctx context.Context, c *harness.Cluster, args ...string) error {
	fmt.Fprintf(d.out, "    $ velero %s   # in cluster %s\n", shellJoin(args), c.Name)
	_, err := c.Velero(ctx, args...)
	return err
}

// shellJoin quotes arguments that a shell would split.
func shellJoin(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t\"'$`\\|&;<>(){}*?[]#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.Join(quoted, " ")
}

// nodeList names a cluster's nodes with their zones: "a-node-1 (cn-hangzhou-h), ...".
func nodeList(c *harness.Cluster) string {
	var parts []string
	for _, n := range c.Nodes() {
		parts = append(parts, n.Name+" ("+n.Zone+")")
	}
	return strings.Join(parts, ", ")
}
