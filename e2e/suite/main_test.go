//go:build e2e

// Package suite holds the end-to-end tests: two local clusters in two regions (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok's fake nodes, velero server with our plugin) that share
// one emulated Alibaba Cloud. Tests drive them with the velero and kubectl commands a user types and look
// at the result in the clusters and in the emulator's buckets.
package suite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

const (
	// vault is the bucket both clusters' default locations share: A writes, B reads.
	vault       = "cnfs-oss-e2e"
	vaultPrefix = "e2e"
	credsSecret = "alibabacloud-credentials"
)

// env is the fixture every test shares; TestMain builds it once, because starting a control plane
// takes seconds and the tests only need namespaces of their own.
var env struct {
	layout  harness.Layout
	session *harness.Session
	cloud   *harness.Cloud
	a, b    *harness.Cluster
}

func TestMain(m *testing.M) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx, m)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func run(ctx context.Context, m *testing.M) (code int, err error) {
	if err := takeOverParallel(); err != nil {
		return 1, err
	}
	layout, err := harness.FindLayout()
	if err != nil {
		return 1, err
	}
	env.layout = layout
	bins, err := layout.Build(ctx, os.Stdout)
	if err != nil {
		return 1, err
	}
	if env.session, err = layout.NewSession(bins, "e2e"); err != nil {
		return 1, err
	}
	defer func() {
		failed := code != 0 || err != nil
		// Nothing may outlive the suite, and the cloud's secret may not appear in any component's log.
		err = errors.Join(err, secretNotLogged(), env.session.Close(failed))
		if failed {
			fmt.Fprintf(os.Stderr, "e2e: logs kept in %s\n", env.session.Dir)
		}
	}()
	start := time.Now()
	if err := setUp(ctx); err != nil {
		return 1, fmt.Errorf("set up: %w", err)
	}
	fmt.Printf("e2e: emulator and clusters a, b ready in %s\n", time.Since(start).Round(time.Millisecond))
	return m.Run(), nil
}

func setUp(ctx context.Context) (err error) {
	s := env.session
	if env.cloud, err = s.StartCloud(ctx, vault, flakyBucket, slowBucket, faultyBucket, sharedBucket); err != nil {
		return err
	}
	// A also serves another cloud's CSI driver, as a cluster being migrated to Alibaba Cloud does.
	if env.a, err = s.StartClusterWith(ctx, "a", harness.ClusterOptions{CSIDrivers: []harness.CSIDriver{foreignDriver}}); err != nil {
		return err
	}
	// B is in another region, as for a migration; its nodes are in cn-beijing's zones.
	if env.b, err = s.StartClusterWith(ctx, "b", harness.ClusterOptions{Region: "cn-beijing"}); err != nil {
		return err
	}
	for _, c := range []*harness.Cluster{env.a, env.b} {
		if err := install(ctx, c); err != nil {
			return err
		}
	}
	// B gets its location before its server starts, as `velero install` does it: the server syncs a
	// location's backups when it starts and then once a minute.
	if err := createLocation(ctx, env.b, "default", vault, "ReadOnly"); err != nil {
		return err
	}
	for _, c := range []*harness.Cluster{env.a, env.b} {
		if err := c.StartVelero(ctx); err != nil {
			return err
		}
	}
	if err := createLocation(ctx, env.a, "default", vault, "ReadWrite"); err != nil {
		return err
	}
	for _, c := range []*harness.Cluster{env.a, env.b} {
		if err := c.WaitForLocation(ctx, "default", time.Minute); err != nil {
			return fmt.Errorf("cluster %s: %w", c.Name, err)
		}
	}
	return nil
}

// install installs Velero's CRDs, the credentials Secret and csdr-controller (from deploy/, running as
// a local process with the session's credentials file) into c; its velero server is not started.
func install(ctx context.Context, c *harness.Cluster) error {
	if err := c.InstallVelero(ctx); err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, nil, "-n", harness.VeleroNamespace, "create", "secret", "generic", credsSecret,
		"--from-file=cloud="+env.cloud.SecretFile); err != nil {
		return err
	}
	if err := c.InstallController(ctx); err != nil {
		return err
	}
	return c.StartController(ctx)
}

// createLocation runs the `velero backup-location create` a user would, on the emulator's endpoint.
func createLocation(ctx context.Context, c *harness.Cluster, name, bucket, mode string) error {
	args := []string{"backup-location", "create", name, "--provider", "alibabacloud", "--bucket", bucket,
		"--config", "region=" + env.cloud.Region + ",endpoint=" + env.cloud.Endpoint,
		"--credential", credsSecret + "=cloud", "--access-mode", mode}
	if bucket == vault {
		args = append(args, "--prefix", vaultPrefix, "--default")
	}
	_, err := c.Velero(ctx, args...)
	return err
}

func secretNotLogged() error {
	if env.session == nil || env.cloud == nil {
		return nil
	}
	hits, err := env.session.LogsContaining(env.cloud.AccessKeySecret)
	if err != nil {
		return err
	}
	if len(hits) > 0 {
		return fmt.Errorf("the access key secret appears in these logs: %v", hits)
	}
	return nil
}
