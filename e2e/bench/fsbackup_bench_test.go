package bench

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

const (
	fsbVolumes     = 20
	fsbVolumeBytes = 50 << 20
	// fsbThroughput is what one emulated HBR job reads per second: 50 MiB take 2 s, so the per-node
	// limit (one volume of a backup per node at a time), not the machine, decides the wall time.
	fsbThroughput = 25 << 20
	fsbRounds     = 3
	fsbNamespace  = "fsbench"
)

// BenchmarkHBRBackupOf20Volumes backs up a namespace of 20 NAS volumes of 50 MiB each, one pod per volume
// spread by the scheduler over three nodes, through velero server, our plugin and csdr-controller on a
// local control plane, with every emulated HBR job reading 25 MiB/s. It reports, per backup and as
// min / median / max of three, the wall time against two bounds measured in the same backup: the
// slowest single volume's HBR job, and the per-node limit (the busiest node's HBR time, since a backup
// reads at most one volume per node at a time); and the CPU time our plugin spent per claim.
func BenchmarkHBRBackupOf20Volumes(b *testing.B) {
	bg, ctx, cancel := newBudget("HBR volumes benchmark", fsbCap)
	defer cancel()
	layout, err := harness.FindLayout()
	require.NoError(b, err)
	bins, err := layout.Build(ctx, os.Stderr)
	require.NoError(b, err)
	s, err := layout.NewSession(bins, "bench-fsbackup")
	require.NoError(b, err)
	failed := true
	defer func() { require.NoError(b, s.Close(failed)) }()

	cloud, err := s.StartCloud(ctx, "cnfs-oss-bench")
	require.NoError(b, err)
	require.NoError(b, cloud.SetHBRSettings(ctx, hbr.Settings{Throughput: fsbThroughput, Activated: true}))
	c, err := s.StartCluster(ctx, "a")
	require.NoError(b, err)
	require.NoError(b, c.InstallVelero(ctx))
	require.NoError(b, c.InstallController(ctx))
	require.NoError(b, c.StartController(ctx))
	require.NoError(b, c.StartVelero(ctx))
	_, err = c.Kubectl(ctx, nil, "-n", harness.VeleroNamespace, "create", "secret", "generic", "creds", "--from-file=cloud="+cloud.SecretFile)
	require.NoError(b, err)
	_, err = c.Velero(ctx, "backup-location", "create", "default", "--provider", "alibabacloud", "--bucket", "cnfs-oss-bench",
		"--config", "region=cn-hangzhou,endpoint="+cloud.Endpoint, "--credential", "creds=cloud", "--default")
	require.NoError(b, err)
	require.NoError(b, c.WaitForLocation(ctx, "default", time.Minute))
	_, err = c.Kubectl(ctx, strings.NewReader(fsbManifest()), "apply", "-f", "-")
	require.NoError(b, err)
	_, err = c.Kubectl(ctx, nil, "-n", fsbNamespace, "wait", "--for=condition=Ready", "--timeout=180s", "pod", "--all")
	require.NoError(b, err)

	b.ResetTimer()
	var walls, slowest, perNode, pluginCPU []time.Duration
	for i := 0; i < b.N; i++ {
		for round := range fsbRounds {
			// New bytes every round: HBR would otherwise find nothing changed and read nothing.
			b.StopTimer()
			fillVolumes(ctx, b, c)
			b.StartTimer()
			name := fmt.Sprintf("fsb-%d-%d", i, round)
			meter := startCPUMeter(s, c, []*harness.Cluster{c})
			start := time.Now()
			// Watched by its volumes done; the rounds left are each about as long.
			left := float64(b.N*fsbRounds - (i*fsbRounds + round) - 1)
			bg.run(ctx, b, step{name: "velero backup " + name, unit: "volumes", total: fsbVolumes, after: left,
				done: func(ctx context.Context) (int, error) {
					backup, err := c.Backup(ctx, name)
					if err != nil {
						return 0, err
					}
					return backup.Status.BackupItemOperationsCompleted, nil
				}}, func(ctx context.Context) {
				_, err := c.Velero(ctx, "backup", "create", name, "--include-namespaces", fsbNamespace, "--wait")
				require.NoError(b, err)
			})
			walls = append(walls, time.Since(start))
			fmt.Printf("  %s: %.1f s, %.2f volumes/s\n", name, walls[len(walls)-1].Seconds(), fsbVolumes/walls[len(walls)-1].Seconds())
			cpu := meter.Stop()
			pluginCPU = append(pluginCPU, time.Duration(cpu[cpuOurPlugin]/fsbVolumes*float64(time.Second)))
			backup, err := c.Backup(ctx, name)
			require.NoError(b, err)
			require.Equal(b, velerov1.BackupPhaseCompleted, backup.Status.Phase)
			require.Equal(b, fsbVolumes, backup.Status.BackupItemOperationsCompleted)
			single, node := hbrBounds(ctx, b, cloud, c, name)
			slowest, perNode = append(slowest, single), append(perNode, node)
		}
	}
	b.StopTimer()
	failed = false
	wall := spread(walls)
	b.ReportMetric(wall.median.Seconds(), "backup-s")
	b.ReportMetric(wall.median.Seconds()/spread(perNode).median.Seconds(), "wall/per-node-limit")
	b.ReportMetric(float64(spread(pluginCPU).median.Microseconds())/1000, "plugin-cpu-ms/claim")
	fmt.Printf("\nbackup of %d NAS volumes of %d MiB (one pod each, 3 nodes), HBR jobs at %d MiB/s each;\n"+
		"%d backups, min / median / max:\n", fsbVolumes, fsbVolumeBytes>>20, fsbThroughput>>20, len(walls))
	fmt.Printf("  velero backup create --wait:                       %s\n", wall)
	fmt.Printf("  slowest single volume's HBR job:                   %s\n", spread(slowest))
	fmt.Printf("  per-node limit (busiest node's HBR time):          %s\n", spread(perNode))
	fmt.Printf("  wall / per-node limit (medians):                   %.2f×\n", wall.median.Seconds()/spread(perNode).median.Seconds())
	cpu := spread(pluginCPU)
	fmt.Printf("  our plugin's CPU per claim (Execute + Progress):   %.1f / %.1f / %.1f ms\n",
		ms(cpu.min), ms(cpu.median), ms(cpu.max))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// fsbManifest is the benchmark's namespace: a NAS class, and per volume a claim and a pod that mounts it.
func fsbManifest() string {
	var m strings.Builder
	fmt.Fprintf(&m, "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: %s}\nprovisioner: %s\n---\n"+
		"apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n", fsbNamespace, alibaba.NASCSIDriver, fsbNamespace)
	for i := range fsbVolumes {
		fmt.Fprintf(&m, `---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-%[1]d, namespace: %[2]s}
spec: {storageClassName: %[2]s, accessModes: [ReadWriteMany], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: app-%[1]d, namespace: %[2]s}
spec:
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data-%[1]d}}]
`, i, fsbNamespace)
	}
	return m.String()
}

// fillVolumes writes 50 MiB of new random bytes into every volume, in five files.
func fillVolumes(ctx context.Context, b *testing.B, c *harness.Cluster) {
	buf := make([]byte, fsbVolumeBytes/5)
	for i := range fsbVolumes {
		dir, err := c.VolumePath(ctx, fsbNamespace, fmt.Sprintf("app-%d", i), "data")
		require.NoError(b, err)
		for f := range 5 {
			_, err := rand.Read(buf)
			require.NoError(b, err)
			require.NoError(b, os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d", f)), buf, 0o644))
		}
	}
}

// hbrBounds returns, for the jobs of one backup, the longest job (start to completion) and the busiest
// node's total job time.
func hbrBounds(ctx context.Context, b *testing.B, cloud *harness.Cloud, c *harness.Cluster, backup string) (slowest, perNode time.Duration) {
	st, err := cloud.HBRState(ctx)
	require.NoError(b, err)
	byNode := map[string]time.Duration{}
	jobs := 0
	for _, j := range st.BackupJobs {
		if !strings.HasPrefix(j.Name, backup+"-") || j.Started == nil || j.Completed == nil {
			continue
		}
		jobs++
		d := j.Completed.Sub(*j.Started)
		slowest = max(slowest, d)
		byNode[j.Resource.Host] += d
	}
	require.Equal(b, fsbVolumes, jobs, "one HBR job per volume of backup %s", backup)
	nodes := slices.Collect(func(yield func(time.Duration) bool) {
		for _, d := range byNode {
			if !yield(d) {
				return
			}
		}
	})
	return slowest, slices.Max(nodes)
}
