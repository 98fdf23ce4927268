package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

const (
	hbrVolumeBytes = 1 << 30
	hbrVolumeFiles = 10_000
	// hbrRounds is how many times the backup and its baseline each run, alternating, so that both see the
	// same machine load; three give a median.
	hbrRounds = 3
	// hbrChangeStep changes every 100th file: 1 % of them.
	hbrChangeStep = 100
	hbrRegion     = "cn-hangzhou"
	hbrCluster    = "bench-kube-system-uid"
	hbrNode       = "bench-node-1"
	hbrNodeIP     = "192.0.2.200"
	hbrVolume     = "/var/lib/kubelet/pods/bench-pod-uid/volumes/kubernetes.io~csi/pv-bench/mount"
	hbrPoll       = 20 * time.Millisecond
)

// BenchmarkHBRBackupOf1GiBIn10000Files backs up one volume of 1 GiB in 10,000 files of random content
// through the HBR client against the emulator with unlimited throughput, and measures in the same run the
// baseline: a plain recursive copy of the same tree on the same disk. They alternate, three times each;
// every backup is a full one (the previous snapshot is deleted first, which empties the store). Then an
// incremental backup after changing 1 % of the files reports the bytes it wrote to the store.
func BenchmarkHBRBackupOf1GiBIn10000Files(b *testing.B) {
	bg, ctx, cancel := newBudget("HBR benchmark", hbrCap)
	defer cancel()
	root := b.TempDir()
	em := emulatortest.NewServer(b, emulator.Options{DataDir: filepath.Join(root, "emulator"),
		Credentials: []emulator.Credential{{AccessKeyID: ak, AccessKeySecret: sk}}})
	nodeRoot := filepath.Join(root, "node")
	volume := generateTree(b, filepath.Join(nodeRoot, hbrVolume), hbrVolumeFiles, hbrVolumeBytes, 1)
	adminPost(b, em.URL, "/_admin/hbr/agents", map[string]string{"cluster": hbrCluster, "node": hbrNode, "ip": hbrNodeIP,
		"region": hbrRegion, "rootDir": nodeRoot, "kubeletRoot": "/var/lib/kubelet"})
	adminPost(b, em.URL, "/_admin/hbr/settings", map[string]any{"throughput": "unlimited", "jobStartDelay": "0s"})
	client, err := hbr.New(hbr.Config{Endpoint: em.URL, Credentials: staticCreds{AccessKeyID: ak, AccessKeySecret: sk}})
	require.NoError(b, err)
	vault, err := client.EnsureVault(ctx, hbrRegion, "ack-backup-data")
	require.NoError(b, err)
	cluster, err := client.EnsureContainerCluster(ctx, hbrRegion, hbr.ContainerClusterSpec{Identifier: hbrCluster})
	require.NoError(b, err)
	// A backup may take ten times the copy before it, and a minute: HBR and the copy read the same
	// tree from the same disk (the README has them within 2× of each other).
	backup := func(name string, baseline time.Duration) (job *hbr.BackupJob, took time.Duration) {
		start := time.Now()
		bg.run(ctx, b, step{name: "HBR backup " + name, limit: bg.scaled(baseline, 10, time.Minute)}, func(ctx context.Context) {
			job = hbrBackup(ctx, b, client, hbr.BackupJobSpec{Region: hbrRegion, VaultID: vault.ID, ContainerClusterID: cluster.ID,
				Name: name, RetentionDays: 1, Since: start, Volume: hbr.Volume{PVName: "pv-bench", PVUID: "bench-pv-uid",
					PVCName: "data", Namespace: "bench", StorageClass: "nas", Size: "2Gi", NodeIP: hbrNodeIP, NodePath: hbrVolume}})
		})
		return job, time.Since(start)
	}

	b.ResetTimer()
	var backups, copies []time.Duration
	var last *hbr.BackupJob
	for i := 0; i < b.N; i++ {
		for round := range hbrRounds {
			if round > 0 {
				// Another round, and the incremental backup after the last, each about as long as a backup.
				next := copies[len(copies)-1] + 2*backups[len(backups)-1]
				if ok, why := bg.fits("another round of copy and backup", next); !ok {
					b.Fatalf("after %d rounds (copy %s, backup %s, last): %s", round, copies[len(copies)-1].Round(time.Millisecond),
						backups[len(backups)-1].Round(time.Millisecond), why)
				}
			}
			dst := filepath.Join(root, fmt.Sprintf("copy-%d-%d", i, round))
			start := time.Now()
			require.NoError(b, copyTree(volume.root, dst))
			copies = append(copies, time.Since(start))
			b.StopTimer()
			require.NoError(b, os.RemoveAll(dst))
			if last != nil {
				deleteJobSnapshots(ctx, b, client, vault.ID, last.ID)
			}
			b.StartTimer()
			job, took := backup(fmt.Sprintf("full-%d-%d-hbr", i, round), copies[len(copies)-1])
			require.EqualValues(b, hbrVolumeBytes, job.ActualBytes, "a full backup writes the whole volume")
			backups, last = append(backups, took), job
		}
	}
	b.StopTimer()

	written := storeWritten(b, em.URL)
	files, changed := volume.rewrite(b, hbrChangeStep, 2)
	incr, incrTook := backup("incremental-hbr", spread(copies).median)
	incrWritten := storeWritten(b, em.URL) - written

	bk, cp := spread(backups), spread(copies)
	ratio := cp.median.Seconds() / bk.median.Seconds()
	b.ReportMetric(mbps(hbrVolumeBytes, bk.median), "hbr-MiB/s")
	b.ReportMetric(mbps(hbrVolumeBytes, cp.median), "copy-MiB/s")
	b.ReportMetric(ratio, "hbr/copy-ratio")
	b.ReportMetric(float64(incrWritten), "incremental-bytes-written")
	b.ReportMetric(float64(incrWritten)/float64(changed), "incremental-written/changed")
	fmt.Printf("\nHBR backup of one volume, 1 GiB in %d files of random content, emulator throughput unlimited;\n"+
		"%d runs of each, alternating, min / median / max:\n", hbrVolumeFiles, len(backups))
	fmt.Printf("  full backup through pkg/cloud/hbr (create → COMPLETE): %s  (%.0f MiB/s median)\n", bk, mbps(hbrVolumeBytes, bk.median))
	fmt.Printf("  plain recursive copy, same tree, same disk:           %s  (%.0f MiB/s median)\n", cp, mbps(hbrVolumeBytes, cp.median))
	fmt.Printf("  throughput ratio backup / copy (medians):             %.2f\n", ratio)
	fmt.Printf("incremental backup after rewriting %d files (1 %%, %d bytes): %.1f s, read %d bytes, job ActualBytes %d,\n"+
		"  store bytes written %d = %.3f × the changed bytes\n", files, changed, incrTook.Seconds(), incr.BytesDone,
		incr.ActualBytes, incrWritten, float64(incrWritten)/float64(changed))
}

// hbrBackup creates a backup job and polls it until it ends COMPLETE.
func hbrBackup(ctx context.Context, b *testing.B, client hbr.Client, spec hbr.BackupJobSpec) *hbr.BackupJob {
	id, err := client.CreateBackupJob(ctx, spec)
	require.NoError(b, err)
	for {
		job, err := client.DescribeBackupJob(ctx, spec.Region, id)
		require.NoError(b, err)
		if job.Status.Terminal() {
			require.NoError(b, job.Err())
			return job
		}
		select {
		case <-ctx.Done():
			b.Fatal(ctx.Err())
		case <-time.After(hbrPoll):
		}
	}
}

func deleteJobSnapshots(ctx context.Context, b *testing.B, client hbr.Client, vaultID, jobID string) {
	snaps, err := client.JobSnapshots(ctx, hbrRegion, vaultID, jobID)
	require.NoError(b, err)
	for _, s := range snaps {
		require.NoError(b, client.DeleteSnapshot(ctx, hbrRegion, vaultID, s.ID))
	}
}

func adminPost(b *testing.B, url, path string, body any) {
	data, err := json.Marshal(body)
	require.NoError(b, err)
	resp, err := http.Post(url+path, "application/json", bytes.NewReader(data))
	require.NoError(b, err)
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	require.Less(b, resp.StatusCode, 300, "POST %s: %s", path, answer)
}

// storeWritten is how many bytes the emulator's HBR store has written since it started.
func storeWritten(b *testing.B, url string) int64 {
	resp, err := http.Get(url + "/_admin/hbr/state")
	require.NoError(b, err)
	defer resp.Body.Close()
	var st struct {
		Store struct {
			BytesWritten int64 `json:"bytesWritten"`
		} `json:"store"`
	}
	require.NoError(b, json.NewDecoder(resp.Body).Decode(&st))
	return st.Store.BytesWritten
}
