package demo

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// dbFiles are what the database keeps on its disk in cluster A: small files and one of some size,
// written with fresh random bytes on every run so that only a real copy can match them.
var dbFiles = []struct {
	name string
	size int
}{{"PG_VERSION", 3}, {"base/16384/orders", 4 << 20}, {"pg_wal/000000010000000000000001", 256 << 10}}

// volumeData is the database volume's files as seen from a pod: where it ran and their SHA-256.
type volumeData struct {
	pod, node, zone string
	sums            map[string]string
}

// writeData waits for the database's pod to run in cluster A, then writes its files into the volume
// through the node's kubelet directory, where the pod's mount of the disk is; the disk the CSI layer
// provisioned in the node's zone holds them.
func (d *demo) writeData(ctx context.Context) error {
	mount, err := d.a.VolumePath(ctx, appNS, dbPod, dbVolume)
	if err != nil {
		return err
	}
	_, disk, err := d.claimedDisk(ctx, d.a)
	if err != nil {
		return err
	}
	d.result.sourceDisk = disk
	for _, f := range dbFiles {
		data := make([]byte, f.size)
		_, _ = rand.Read(data)
		path := filepath.Join(mount, f.name)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return err
		}
	}
	if d.result.dataA, err = d.readData(ctx, d.a, mount); err != nil {
		return err
	}
	fmt.Fprintf(d.out, "    pod %s runs on %s (%s); its disk %s (%s %s, %d GiB) was provisioned there\n",
		dbPod, d.result.dataA.node, d.result.dataA.zone, disk.ID, disk.Category, disk.PerformanceLevel, disk.SizeGiB)
	fmt.Fprintf(d.out, "    wrote %d files through the node's path %s\n", len(dbFiles), d.nodeRelative(d.a, d.result.dataA.node, mount))
	return nil
}

// checkData finds the database's pod Running in cluster B, next to its new disk, and the files of
// cluster A in its volume, byte for byte.
func (d *demo) checkData(ctx context.Context) error {
	mount, err := d.b.VolumePath(ctx, appNS, dbPod, dbVolume)
	if err != nil {
		return err
	}
	if d.result.dataB, err = d.readData(ctx, d.b, mount); err != nil {
		return err
	}
	a, b := d.result.dataA, d.result.dataB
	if disk := d.result.restoredDisk; b.zone != disk.Zone {
		return fmt.Errorf("pod %s runs in zone %s of cluster B, its disk %s is in %s", dbPod, b.zone, disk.ID, disk.Zone)
	}
	for _, f := range dbFiles {
		if a.sums[f.name] != b.sums[f.name] {
			return fmt.Errorf("%s in cluster B has SHA-256 %s, in cluster A %s", f.name, b.sums[f.name], a.sums[f.name])
		}
		fmt.Fprintf(d.out, "    ok  %-28s %s sha256 %s, on %s (%s)\n", "file", f.name, b.sums[f.name][:16], b.node, b.zone)
	}
	return nil
}

// readData reads the database's files through a mount of the volume and says where the pod runs.
func (d *demo) readData(ctx context.Context, c *harness.Cluster, mount string) (volumeData, error) {
	pod := &corev1.Pod{}
	if err := c.Client.Get(ctx, types.NamespacedName{Namespace: appNS, Name: dbPod}, pod); err != nil {
		return volumeData{}, err
	}
	node, ok := c.Node(pod.Spec.NodeName)
	if !ok {
		return volumeData{}, fmt.Errorf("pod %s in cluster %s runs on %q, not one of its nodes", dbPod, c.Name, pod.Spec.NodeName)
	}
	v := volumeData{pod: pod.Name, node: node.Name, zone: node.Zone, sums: map[string]string{}}
	for _, f := range dbFiles {
		data, err := os.ReadFile(filepath.Join(mount, f.name))
		if err != nil {
			return v, fmt.Errorf("cluster %s: %w", c.Name, err)
		}
		sum := sha256.Sum256(data)
		v.sums[f.name] = hex.EncodeToString(sum[:])
	}
	return v, nil
}

// nodeRelative shows a mount as the node sees it: /var/lib/kubelet/pods/<uid>/volumes/...
func (d *demo) nodeRelative(c *harness.Cluster, node, hostPath string) string {
	n, _ := c.Node(node)
	if p, err := n.NodePath(hostPath); err == nil {
		return p
	}
	return hostPath
}
