package demo

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

func (d *demo) report(ctx context.Context) error {
	objects, err := d.cloud.Objects(ctx, vaultBucket, vaultPrefix+"/")
	if err != nil {
		return err
	}
	b, r := d.result.backup, d.result.restore
	w := d.out
	fmt.Fprintf(w, "\nREPORT\n")
	fmt.Fprintf(w, "  backed up in cluster A:  backup %s, %s, %d items", b.Name, b.Status.Phase, itemsBackedUp(b.Status.Progress))
	fmt.Fprintf(w, " (Velero %s, Kubernetes %s)\n", d.session.Bins.VeleroVersion, d.session.Bins.KubernetesVersion)
	fmt.Fprintf(w, "  restored in cluster B:   restore %s, %s, %d items, %d warnings (`velero restore describe %s`)\n",
		r.Name, r.Status.Phase, itemsRestored(r), r.Status.Warnings, r.Name)
	fmt.Fprintf(w, "  identical after the move: %s\n", strings.Join(d.result.checked, ", "))
	src, dst := d.result.sourceDisk, d.result.restoredDisk
	fmt.Fprintf(w, "  the database's disk:     %s (%s, %s %s, %d GiB) -> ECS snapshot, copied to %s -> %s (%s, %s %s, %d GiB)\n",
		src.ID, src.Zone, src.Category, src.PerformanceLevel, src.SizeGiB, regionB,
		dst.ID, dst.Zone, dst.Category, dst.PerformanceLevel, dst.SizeGiB)
	a, bd := d.result.dataA, d.result.dataB
	fmt.Fprintf(w, "  the database's files:    written in cluster A on %s (%s), read in cluster B on %s (%s), SHA-256 equal:\n",
		a.node, a.zone, bd.node, bd.zone)
	for _, f := range dbFiles {
		fmt.Fprintf(w, "    %-40s %9s  %s\n", f.name, size(int64(f.size)), bd.sums[f.name])
	}
	if err := d.reportPods(ctx, w); err != nil {
		return err
	}
	var total int64
	for _, o := range objects {
		total += o.Size
	}
	fmt.Fprintf(w, "  where the bytes are:     %d objects, %s, in bucket %s of the emulated OSS (%s):\n",
		len(objects), size(total), vaultBucket, d.cloud.Endpoint)
	for _, o := range objects {
		fmt.Fprintf(w, "    %-72s %9s\n", o.Key, size(o.Size))
	}
	fmt.Fprintf(w, "  steps:\n")
	for _, s := range d.steps {
		fmt.Fprintf(w, "    %-92s %8s\n", s.name, s.took.Round(10*time.Millisecond))
	}
	fmt.Fprintf(w, "  total %s; %d listening sockets, all on 127.0.0.1; every process is stopped on exit\n",
		time.Since(d.started).Round(100*time.Millisecond), d.result.listeners)
	fmt.Fprintf(w, "DEMO OK\n")
	return nil
}

// reportPods lists the application's pods in both clusters with their phase, node and zone.
func (d *demo) reportPods(ctx context.Context, w io.Writer) error {
	for _, c := range []*harness.Cluster{d.a, d.b} {
		pods := &corev1.PodList{}
		if err := c.Client.List(ctx, pods, client.InNamespace(appNS)); err != nil {
			return err
		}
		fmt.Fprintf(w, "  pods in cluster %s (%s):\n", c.Name, c.Region())
		for _, p := range pods.Items {
			n, _ := c.Node(p.Spec.NodeName)
			fmt.Fprintf(w, "    %-28s %-8s on %s (%s), pod IP %s\n", p.Name, p.Status.Phase, p.Spec.NodeName, n.Zone, p.Status.PodIP)
		}
	}
	return nil
}

func itemsBackedUp(p *velerov1.BackupProgress) int {
	if p == nil {
		return 0
	}
	return p.ItemsBackedUp
}

func itemsRestored(r *velerov1.Restore) int {
	if r.Status.Progress == nil {
		return 0
	}
	return r.Status.Progress.ItemsRestored
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
