// Command harness builds and runs the local control planes of the e2e harness.
//
//	harness build   build every component into .cache (incremental)
//	harness demo    the main job: back up in cluster A, migrate to cluster B (what `make demo` runs)
//	harness up      start the emulator and two clusters (cn-hangzhou, cn-beijing) with nodes, Velero
//	                and csdr-controller, print how to reach them, and wait for Ctrl-C (for trying
//	                commands by hand)
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/demo"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

func main() {
	if len(os.Args) != 2 {
		usage()
	}
	// Ctrl-C cancels the context; every step then returns and the session stops what it started.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	layout, err := harness.FindLayout()
	if err != nil {
		fail(err)
	}
	switch os.Args[1] {
	case "build":
		_, err = layout.Build(ctx, os.Stdout)
	case "demo":
		err = demo.Run(ctx, layout, os.Stdout)
	case "up":
		err = up(ctx, layout)
	default:
		usage()
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		fmt.Fprintln(os.Stderr, "interrupted; everything the harness started is stopped")
		os.Exit(130)
	}
	if err != nil {
		fail(err)
	}
}

func up(ctx context.Context, layout harness.Layout) (err error) {
	bins, err := layout.Build(ctx, os.Stdout)
	if err != nil {
		return err
	}
	s, err := layout.NewSession(bins, "up")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close(false)) }()
	cloud, err := s.StartCloud(ctx, "cnfs-oss-up")
	if err != nil {
		return err
	}
	fmt.Printf("emulator: OSS endpoint %s, region %s, bucket cnfs-oss-up, Velero secret file %s\n", cloud.Endpoint, cloud.Region, cloud.SecretFile)
	for _, name := range []string{"a", "b"} {
		region := map[string]string{"a": "cn-hangzhou", "b": "cn-beijing"}[name]
		c, err := s.StartClusterWith(ctx, name, harness.ClusterOptions{Region: region})
		if err != nil {
			return err
		}
		if err := c.InstallVelero(ctx); err != nil {
			return err
		}
		if err := c.InstallController(ctx); err != nil {
			return err
		}
		if err := c.StartController(ctx); err != nil {
			return err
		}
		if err := c.StartVelero(ctx); err != nil {
			return err
		}
		fmt.Printf("cluster %s: export KUBECONFIG=%s HOME=%s  (logs in %s/logs)\n", name, c.Kubeconfig, c.Dir+"/home", c.Dir)
		fmt.Printf("  etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, velero server, csdr-controller; nodes in %s:\n", c.Region())
		for _, n := range c.Nodes() {
			fmt.Printf("    %s  zone %s  IP %s  filesystem %s\n", n.Name, n.Zone, n.InternalIP, n.Dir)
		}
	}
	fmt.Printf("binaries in %s; press Ctrl-C to stop everything\n", layout.BinDir())
	<-ctx.Done()
	return nil
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: harness build|demo|up")
	os.Exit(2)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "\nFAILED: %v\n", err)
	os.Exit(1)
}
