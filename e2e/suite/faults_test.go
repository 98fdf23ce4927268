//go:build e2e

package suite

import (
	"context"
	"io"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
)

const (
	// faultyBucket answers a share of all requests with 5xx or throttling.
	faultyBucket = "cnfs-oss-faulty"
	// slowBucket stalls backup tarball uploads so a test can kill the plugin in the middle of one.
	slowBucket = "cnfs-oss-slow"
)

func TestBackupThroughAFlakyVault(t *testing.T) {
	parallel(t)
	require.NoError(t, createLocation(ctx(t), env.a, "faulty", faultyBucket, "ReadWrite"))
	t.Cleanup(func() { _, _ = env.a.Velero(context.Background(), "backup-location", "delete", "faulty", "--confirm") })
	require.NoError(t, env.a.WaitForLocation(ctx(t), "faulty", time.Minute))
	deployWorkload(t, env.a, "flaky-ns")

	// A share of requests fails with 5xx or throttling. At most four in all, so no single request can
	// exhaust the client's five attempts: the backups must complete, and deterministically so.
	flaky := []string{
		addFault(t, faults.Fault{Service: "oss", Resource: faultyBucket, Status: 503, Code: "ServiceUnavailable", Probability: 0.4, Count: 2}),
		addFault(t, faults.Fault{Service: "oss", Resource: faultyBucket, Status: 429, Code: "TooManyRequests", Probability: 0.4, Count: 2}),
	}
	backup(t, env.a, "flaky-1", "--include-namespaces", "flaky-ns", "--storage-location", "faulty")
	backup(t, env.a, "flaky-2", "--include-namespaces", "flaky-ns", "--storage-location", "faulty")
	assert.Positive(t, firedCount(t, flaky...), "the injected errors were hit, and retried through")
	for _, name := range []string{"flaky-1", "flaky-2"} {
		assert.ElementsMatch(t, backupKeys("", name), keys(t, faultyBucket, "backups/"+name+"/"))
	}

	// The tarball upload fails every time: the backup fails with the words users search for, and
	// leaves no record another cluster could sync.
	down := addFault(t, faults.Fault{Service: "oss", Operation: "PutObject", Resource: faultyBucket + "/*.tar.gz", Status: 503, Code: "ServiceUnavailable"})
	_, err := env.a.Velero(ctx(t), "backup", "create", "flaky-3", "--include-namespaces", "flaky-ns", "--storage-location", "faulty", "--wait")
	require.NoError(t, err)
	failed, err := env.a.Backup(ctx(t), "flaky-3")
	require.NoError(t, err)
	assert.Equal(t, velerov1.BackupPhaseFailed, failed.Status.Phase)
	assert.Contains(t, failed.Status.FailureReason, "upload backup files to OSS bucket failed")
	assert.Contains(t, failed.Status.FailureReason, "ServiceUnavailable")
	t.Logf("failure reason: %s", failed.Status.FailureReason)
	assert.NotContains(t, keys(t, faultyBucket, "backups/flaky-3/"), "backups/flaky-3/velero-backup.json")

	for _, id := range append(flaky, down) {
		require.NoError(t, env.cloud.RemoveFault(ctx(t), id))
	}
	verifyBucket(t, faultyBucket)
	backup(t, env.a, "flaky-4", "--include-namespaces", "flaky-ns", "--storage-location", "faulty")
}

// Not parallel: it kills every plugin process of cluster A's Velero.
func TestPluginKilledInTheMiddleOfABackup(t *testing.T) {
	require.NoError(t, createLocation(ctx(t), env.a, "slow", slowBucket, "ReadWrite"))
	t.Cleanup(func() { _, _ = env.a.Velero(context.Background(), "backup-location", "delete", "slow", "--confirm") })
	require.NoError(t, env.a.WaitForLocation(ctx(t), "slow", time.Minute))
	deployWorkload(t, env.a, "killed-ns")

	// Velero uploads the log, then velero-backup.json, then the tarball: stall the tarball.
	const stallFor = 5 * time.Second
	stall := addFault(t, faults.Fault{Service: "oss", Operation: "PutObject", Resource: slowBucket + "/*.tar.gz", Latency: stallFor})
	_, err := env.a.Velero(ctx(t), "backup", "create", "killed", "--include-namespaces", "killed-ns", "--storage-location", "slow")
	require.NoError(t, err)

	eventually(t, time.Minute, "the tarball upload to start", func() (bool, string) {
		return firedCount(t, stall) > 0, "not yet"
	})
	pids := env.a.PluginPIDs()
	require.NotEmpty(t, pids, "the plugin process that is uploading")
	for _, pid := range pids {
		require.NoError(t, syscall.Kill(pid, syscall.SIGKILL))
	}
	t.Logf("killed plugin processes %v in the middle of the tarball upload", pids)
	require.NoError(t, env.cloud.RemoveFault(ctx(t), stall))

	killed, err := env.a.WaitForBackup(ctx(t), "killed", 2*time.Minute)
	require.NoError(t, err)
	assert.Contains(t, []velerov1.BackupPhase{velerov1.BackupPhaseFailed, velerov1.BackupPhasePartiallyFailed}, killed.Status.Phase)
	assert.NotEmpty(t, killed.Status.FailureReason, "the backup says why it failed")
	t.Logf("backup %s: %s", killed.Status.Phase, killed.Status.FailureReason)

	// The stalled request had sent its whole (small) body before the kill, so the emulator, like OSS,
	// may still complete it once the stall is over; let it settle. Whatever Velero's clean-up managed
	// before the plugin came back, a backup record in the vault must come with its intact contents, or
	// another cluster would sync a backup it cannot restore.
	time.Sleep(stallFor + time.Second)
	left := keys(t, slowBucket, "backups/killed/")
	t.Logf("left in the vault by the killed backup: %v", left)
	if slices.Contains(left, "backups/killed/velero-backup.json") {
		assert.Contains(t, left, "backups/killed/killed.tar.gz", "a backup record without its contents")
	}
	verifyBucket(t, slowBucket)

	backup(t, env.a, "after-kill", "--include-namespaces", "killed-ns", "--storage-location", "slow")
	assert.ElementsMatch(t, backupKeys("", "after-kill"), keys(t, slowBucket, "backups/after-kill/"))
}

// verifyBucket reads every object back through the plugin's own OSS client, which fails on a CRC-64
// mismatch, and requires that no multipart upload is left in progress.
func verifyBucket(t *testing.T, bucket string) {
	t.Helper()
	client, err := env.cloud.OSS()
	require.NoError(t, err)
	for _, key := range keys(t, bucket, "") {
		body, err := client.GetObject(ctx(t), bucket, key)
		require.NoError(t, err, key)
		_, err = io.Copy(io.Discard, body)
		assert.NoError(t, err, "%s reads back intact", key)
		require.NoError(t, body.Close())
	}
	state, err := env.cloud.State(ctx(t))
	require.NoError(t, err)
	for _, u := range state.OSS.Uploads {
		assert.NotEqual(t, bucket, u.Bucket, "multipart upload of %s left in progress", u.Key)
	}
}

// firedCount is how often the given faults have fired so far.
func firedCount(t *testing.T, ids ...string) int {
	t.Helper()
	active, err := env.cloud.Faults(ctx(t))
	require.NoError(t, err)
	n := 0
	for _, a := range active {
		if slices.Contains(ids, a.ID) {
			n += a.Fired
		}
	}
	return n
}

// addFault injects f until the test ends and returns its ID.
func addFault(t *testing.T, f faults.Fault) string {
	t.Helper()
	id, err := env.cloud.AddFault(ctx(t), f)
	require.NoError(t, err)
	t.Cleanup(func() { _ = env.cloud.RemoveFault(context.Background(), id) })
	return id
}
