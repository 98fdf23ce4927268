package bench

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	ecscloud "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

const (
	diskPVs          = 50
	snapshotDuration = 2 * time.Second
	// backupRounds is how many times the backup and its baseline each run, alternating, so that both
	// see the same machine load; three give a median.
	backupRounds = 3
	// baselinePoll is how often the baseline asks whether a snapshot is done: often enough that it
	// waits hardly longer than the snapshot takes, which makes the baseline as fast as waiting can be.
	baselinePoll = 100 * time.Millisecond
)

// BenchmarkBackupOf50DiskPVs backs up a namespace of 50 disk PVs through velero server and the plugin
// on a local control plane, with every emulated snapshot taking 2 s, and measures in the same run the
// baseline: the same 50 disks snapshotted one after another, each waited for until accomplished (what a
// snapshotter that waits would do), through the plugin's ECS client against the same emulator. Backup
// and baseline alternate, three times each.
func BenchmarkBackupOf50DiskPVs(b *testing.B) {
	bg, ctx, cancel := newBudget("disk backup benchmark", disksCap)
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
	manifest, disks := volumes(ctx, b, cloud)
	_, err = c.Kubectl(ctx, strings.NewReader(manifest), "apply", "-f", "-")
	require.NoError(b, err)
	_, err = c.Kubectl(ctx, nil, "-n", "bench", "wait", "--for=jsonpath={.status.phase}=Bound", "--timeout=120s", "pvc", "--all")
	require.NoError(b, err)
	client := ecsClient(b, cloud)

	b.ResetTimer()
	var backups, baselines, accomplished []time.Duration
	for i := 0; i < b.N; i++ {
		for round := range backupRounds {
			// The baseline is watched by its snapshots; what follows it (this round's backup, about a
			// tenth of it, and the rounds left, each about as long as this one) counts in the projection.
			var snapshots atomic.Int64
			left := float64(b.N*backupRounds - (i*backupRounds + round) - 1)
			bg.run(ctx, b, step{name: fmt.Sprintf("%d snapshots one after another (round %d)", diskPVs, round+1), unit: "snapshots",
				total: diskPVs, after: 0.1 + 1.1*left, done: func(context.Context) (int, error) { return int(snapshots.Load()), nil }},
				func(ctx context.Context) {
					baselines = append(baselines, serialSnapshots(ctx, b, client, disks, &snapshots))
				})
			name := fmt.Sprintf("disks-%d-%d", i, round)
			// The backup takes a tenth of the baseline on an idle machine; twice the baseline and a minute
			// more means it is stuck.
			bg.run(ctx, b, step{name: "velero backup " + name, limit: bg.scaled(baselines[len(baselines)-1], 2, time.Minute)},
				func(ctx context.Context) {
					wall, done := backupOnce(ctx, b, c, cloud, name)
					backups, accomplished = append(backups, wall), append(accomplished, done)
				})
			fmt.Printf("  round %d: baseline %.1f s (%.1f snapshots/s), backup %.1f s (%.1f PVs/s)\n", round+1,
				baselines[len(baselines)-1].Seconds(), diskPVs/baselines[len(baselines)-1].Seconds(),
				backups[len(backups)-1].Seconds(), diskPVs/backups[len(backups)-1].Seconds())
		}
	}
	b.StopTimer()
	failed = false
	backup, baseline := spread(backups), spread(baselines)
	b.ReportMetric(backup.median.Seconds(), "backup-s")
	b.ReportMetric(baseline.median.Seconds(), "serial-snapshots-s")
	b.ReportMetric(baseline.median.Seconds()/backup.median.Seconds(), "speedup-x")
	fmt.Printf("\nbackup of %d disk PVs, each emulated snapshot taking %s (velero server + plugin on a local control plane);\n"+
		"%d runs of each, alternating, min / median / max:\n", diskPVs, snapshotDuration, len(backups))
	fmt.Printf("  velero backup create --wait:                     %s\n", backup)
	fmt.Printf("  %d snapshots one after another, each waited for: %s\n", diskPVs, baseline)
	fmt.Printf("  all backup snapshots accomplished after:         %s (ECS works on them in parallel)\n", spread(accomplished))
	fmt.Printf("  baseline / backup (medians):                     %.1f×\n", baseline.median.Seconds()/backup.median.Seconds())
}

// backupOnce runs one backup and returns its wall time and when its last snapshot was accomplished.
func backupOnce(ctx context.Context, b *testing.B, c *harness.Cluster, cloud *harness.Cloud, name string) (wall, accomplished time.Duration) {
	start := time.Now()
	_, err := c.Velero(ctx, "backup", "create", name, "--include-namespaces", "bench", "--snapshot-volumes",
		"--volume-snapshot-locations", "disks", "--wait")
	require.NoError(b, err)
	wall = time.Since(start)
	backup, err := c.Backup(ctx, name)
	require.NoError(b, err)
	require.Equal(b, velerov1.BackupPhaseCompleted, backup.Status.Phase)
	require.Equal(b, diskPVs, backup.Status.VolumeSnapshotsCompleted)
	return wall, untilAccomplished(ctx, b, cloud, start)
}

// ecsClient is the plugin's ECS client, with the credentials the plugin gets.
func ecsClient(b *testing.B, cloud *harness.Cloud) ecscloud.Client {
	creds, err := credentials.New(credentials.Options{File: cloud.SecretFile})
	require.NoError(b, err)
	client, err := ecscloud.New(ecscloud.Config{Endpoint: cloud.Endpoint, Credentials: creds})
	require.NoError(b, err)
	return client
}

// serialSnapshots snapshots the disks one after another, waiting for each to be accomplished before
// the next, and returns how long that took. The snapshots are deleted afterwards, untimed.
// done counts the snapshots accomplished so far.
func serialSnapshots(ctx context.Context, b *testing.B, client ecscloud.Client, disks []string, done *atomic.Int64) time.Duration {
	start := time.Now()
	ids := make([]string, 0, len(disks))
	for _, disk := range disks {
		id, err := client.CreateSnapshot(ctx, ecscloud.SnapshotOptions{Region: "cn-hangzhou", DiskID: disk, InstantAccess: true,
			Name: "baseline-" + disk})
		require.NoError(b, err)
		ids = append(ids, id)
		for {
			snap, err := client.DescribeSnapshot(ctx, "cn-hangzhou", id)
			require.NoError(b, err)
			if snap.Status == ecscloud.SnapshotAccomplished {
				done.Add(1)
				break
			}
			select {
			case <-ctx.Done():
				b.Fatal(ctx.Err())
			case <-time.After(baselinePoll):
			}
		}
	}
	elapsed := time.Since(start)
	for _, id := range ids {
		require.NoError(b, client.DeleteSnapshot(ctx, "cn-hangzhou", id))
	}
	return elapsed
}

// spreadOf is the minimum, median and maximum of a few measurements.
type spreadOf struct{ min, median, max time.Duration }

func spread(ds []time.Duration) spreadOf {
	sorted := slices.Sorted(slices.Values(ds))
	return spreadOf{min: sorted[0], median: sorted[len(sorted)/2], max: sorted[len(sorted)-1]}
}

func (s spreadOf) String() string {
	return fmt.Sprintf("%6.1f / %6.1f / %6.1f s", s.min.Seconds(), s.median.Seconds(), s.max.Seconds())
}

// volumes creates the disks in the emulator and returns the namespace with one PV and claim per disk,
// and the disks' IDs.
func volumes(ctx context.Context, b *testing.B, cloud *harness.Cloud) (string, []string) {
	var m strings.Builder
	var disks []string
	m.WriteString("apiVersion: v1\nkind: Namespace\nmetadata: {name: bench}\n")
	for i := range diskPVs {
		d, err := cloud.AddDisk(ctx, ecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
			PerformanceLevel: "PL1", SizeGiB: 40, Status: "In_use"})
		require.NoError(b, err)
		disks = append(disks, d.ID)
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
	return m.String(), disks
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
