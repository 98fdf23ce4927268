package bench

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

const (
	diskPVs          = 50
	snapshotDuration = 2 * time.Second
)

// BenchmarkBackupOf50DiskPVs backs up a namespace of 50 disk PVs through velero server and the plugin
// on a local control plane, with every emulated snapshot taking 2 s, and compares the wall time with
// 50 × 2 s: what a plugin that waited for each snapshot would take at least.
func BenchmarkBackupOf50DiskPVs(b *testing.B) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	layout, err := harness.FindLayout()
	require.NoError(b, err)
	bins, err := layout.Build(ctx, os.Stderr)
	require.NoError(b, err)
	s, err := layout.NewSession(bins, "bench-disks")
	require.NoError(b, err)
	failed := true
	defer func() { require.NoError(b, s.Close(failed)) }()

	cloud, err := s.StartCloud(ctx, "cnfs-oss-bench")
	require.NoError(b, err)
	require.NoError(b, cloud.SetECSSettings(ctx, ecs.Settings{SnapshotDuration: snapshotDuration, DiskCreateDuration: 500 * time.Millisecond}))
	c, err := s.StartCluster(ctx, "a")
	require.NoError(b, err)
	require.NoError(b, c.InstallVelero(ctx))
	require.NoError(b, c.StartVelero(ctx))
	_, err = c.Kubectl(ctx, nil, "-n", harness.VeleroNamespace, "create", "secret", "generic", "creds", "--from-file=cloud="+cloud.SecretFile)
	require.NoError(b, err)
	endpoint := ",endpoint=" + cloud.Endpoint
	_, err = c.Velero(ctx, "backup-location", "create", "default", "--provider", "alibabacloud", "--bucket", "cnfs-oss-bench",
		"--config", "region=cn-hangzhou"+endpoint, "--credential", "creds=cloud", "--default")
	require.NoError(b, err)
	_, err = c.Velero(ctx, "snapshot-location", "create", "disks", "--provider", "alibabacloud",
		"--config", "region=cn-hangzhou"+endpoint, "--credential", "creds=cloud")
	require.NoError(b, err)
	require.NoError(b, c.WaitForLocation(ctx, "default", time.Minute))
	_, err = c.Kubectl(ctx, strings.NewReader(volumes(ctx, b, cloud)), "apply", "-f", "-")
	require.NoError(b, err)
	_, err = c.Kubectl(ctx, nil, "-n", "bench", "wait", "--for=jsonpath={.status.phase}=Bound", "--timeout=120s", "pvc", "--all")
	require.NoError(b, err)

	b.ResetTimer()
	var wall, sinceLastSnapshot time.Duration
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("disks-%d", i)
		start := time.Now()
		_, err = c.Velero(ctx, "backup", "create", name, "--include-namespaces", "bench", "--snapshot-volumes",
			"--volume-snapshot-locations", "disks", "--wait")
		require.NoError(b, err)
		wall = time.Since(start)
		backup, err := c.Backup(ctx, name)
		require.NoError(b, err)
		require.Equal(b, velerov1.BackupPhaseCompleted, backup.Status.Phase)
		require.Equal(b, diskPVs, backup.Status.VolumeSnapshotsCompleted)
		sinceLastSnapshot = untilAccomplished(ctx, b, cloud, start)
	}
	b.StopTimer()
	failed = false
	b.ReportMetric(wall.Seconds(), "backup-s")
	b.ReportMetric(float64(diskPVs)*snapshotDuration.Seconds(), "serial-snapshots-s")
	fmt.Printf("\nbackup of %d disk PVs, each emulated snapshot taking %s (velero server + plugin on a local control plane)\n",
		diskPVs, snapshotDuration)
	fmt.Printf("  velero backup create --wait:          %6.1f s\n", wall.Seconds())
	fmt.Printf("  %d snapshots one after another:       %6.1f s\n", diskPVs, float64(diskPVs)*snapshotDuration.Seconds())
	fmt.Printf("  all snapshots accomplished after:     %6.1f s (ECS works on them in parallel)\n", sinceLastSnapshot.Seconds())
}

// volumes creates the disks in the emulator and returns the namespace with one PV and claim per disk.
func volumes(ctx context.Context, b *testing.B, cloud *harness.Cloud) string {
	var m strings.Builder
	m.WriteString("apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}\n")
	for i := range diskPVs {
		d, err := cloud.AddDisk(ctx, ecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
			PerformanceLevel: "PL1", SizeGiB: 40, Status: "In_use"})
		require.NoError(b, err)
		fmt.Fprintf(&m, `---
apiVersion: v1
kind: PersistentVolume
metadata: {name: %[1]s}
spec:
  capacity: {storage: 40Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: alicloud-disk
  csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: %[1]s}
  claimRef: {namespace: bench, name: data-%[2]d}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-%[2]d, namespace: bench}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: alicloud-disk
  volumeName: %[1]s
  resources: {requests: {storage: 40Gi}}
`, d.ID, i)
	}
	return m.String()
}

// untilAccomplished waits until every snapshot is accomplished and returns how long after start.
func untilAccomplished(ctx context.Context, b *testing.B, cloud *harness.Cloud, start time.Time) time.Duration {
	for {
		state, err := cloud.ECS(ctx)
		require.NoError(b, err)
		done := 0
		for _, s := range state.Snapshots {
			if s.Status == "accomplished" {
				done++
			}
		}
		if done == len(state.Snapshots) && done > 0 {
			return time.Since(start)
		}
		select {
		case <-ctx.Done():
			b.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
