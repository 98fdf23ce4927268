package hbr_test

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/internal/clocktest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// HBR takes no idempotency token: the job made by the attempt whose answer was lost is found by vault,
// creation time and name, and no second job is made, neither by the retry nor by a caller that
// restarted and calls again with the time it recorded.
func TestLostAnswerOnCreateBackupJobLeavesOneJob(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, files)
	spec := w.spec("b1-lost-hbr", src)
	w.srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "CreateBackupJob", LoseAnswer: true, Count: 1})

	id, err := w.c.CreateBackupJob(ctx(t), spec)
	require.NoError(t, err)
	again, err := w.c.CreateBackupJob(ctx(t), spec)
	require.NoError(t, err)
	assert.Equal(t, id, again, "a restarted caller finds the same job")

	st := hbrState(t, w.srv)
	require.Len(t, st.BackupJobs, 1, "exactly one job")
	assert.Equal(t, id, st.BackupJobs[0].ID)
	assert.Equal(t, 1, st.Stats.Operations["CreateBackupJob"], "one creation: its answer lost, then found")
	assert.NoError(t, waitJob(t, w.c, id).Err())
}

func TestLostAnswerOnCreateRestoreJobLeavesOneRestore(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, files)
	job := w.backup(t, "b1-7d1e-hbr", src)
	snaps, err := w.c.JobSnapshots(ctx(t), region, w.vault.ID, job.ID)
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	dst := volumePath("pod-uid-2", "pv-restored")
	require.NoError(t, os.MkdirAll(w.node.hostPath(dst), 0o755))
	spec := hbr.RestoreJobSpec{Region: region, VaultID: w.vault.ID, SnapshotID: snaps[0].ID,
		TargetContainerClusterID: w.cluster.ID, TargetNode: w.node.name, TargetPath: dst, Since: time.Now()}
	w.srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "CreateRestoreJob", LoseAnswer: true, Count: 1})

	id, err := w.c.CreateRestoreJob(ctx(t), spec)
	require.NoError(t, err)
	again, err := w.c.CreateRestoreJob(ctx(t), spec)
	require.NoError(t, err)
	assert.Equal(t, id, again)
	st := hbrState(t, w.srv)
	require.Len(t, st.RestoreJobs, 1, "exactly one restore")
	assert.Equal(t, 1, st.Stats.Operations["CreateRestoreJob"])
	assert.NoError(t, waitRestore(t, w.c, w.vault.ID, id).Err())
	found, err := w.c.FindRestoreJob(ctx(t), spec)
	require.NoError(t, err)
	assert.Equal(t, id, found.ID)

	// The same snapshot into another path of the same cluster, within the clock skew: another restore.
	elsewhere := spec
	elsewhere.TargetPath = volumePath("pod-uid-3", "pv-restored-too")
	require.NoError(t, os.MkdirAll(w.node.hostPath(elsewhere.TargetPath), 0o755))
	other, err := w.c.CreateRestoreJob(ctx(t), elsewhere)
	require.NoError(t, err)
	assert.NotEqual(t, id, other)
	assert.Len(t, hbrState(t, w.srv).RestoreJobs, 2)
}

func TestCancelRestoreJob(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, map[string]string{"big.bin": string(randomBytes(t, 1<<20))})
	job := w.backup(t, "b1-7d1e-hbr", src)
	snaps, err := w.c.JobSnapshots(ctx(t), region, w.vault.ID, job.ID)
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	settings(t, w.srv, map[string]any{"throughput": "64KiB/s"})
	dst := volumePath("pod-uid-2", "pv-restored")
	require.NoError(t, os.MkdirAll(w.node.hostPath(dst), 0o755))
	id, err := w.c.CreateRestoreJob(ctx(t), hbr.RestoreJobSpec{Region: region, VaultID: w.vault.ID, SnapshotID: snaps[0].ID,
		TargetContainerClusterID: w.cluster.ID, TargetNode: w.node.name, TargetPath: dst, Since: time.Now()})
	require.NoError(t, err)
	require.NoError(t, w.c.CancelRestoreJob(ctx(t), region, w.vault.ID, id))
	assert.Equal(t, hbr.StatusCanceled, waitRestore(t, w.c, w.vault.ID, id).Status)
}

// A deleted ack-backup-data vault fails every job until the locations using it are gone; ACK's words.
func TestDeletedVault(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, files)
	deleteVault(t, w.srv, w.vault.ID)
	_, err := w.c.CreateBackupJob(ctx(t), w.spec("b1-deleted-hbr", src))
	require.ErrorIs(t, err, hbr.ErrVaultDeleted)
	assert.ErrorIs(t, err, cloud.ErrInvalid)
	assert.Regexp(t, `^HBRError: hbr \w+ \S+: code: 400, Illegal request\. Please modify the parameters \(request id \S+\)$`, err.Error())
	assert.NotEmpty(t, cloud.RequestID(err))
}

func TestNotActivated(t *testing.T) {
	srv, c := newEnv(t)
	settings(t, srv, map[string]any{"activated": false})
	_, err := c.EnsureVault(ctx(t), region, "ack-backup-data")
	require.ErrorIs(t, err, hbr.ErrNotActivated)
	assert.ErrorIs(t, err, cloud.ErrDenied)
	assert.Regexp(t, `^HBRError: check HBR vault error: hbr DescribeVaults`, err.Error())
	assert.NotEmpty(t, cloud.RequestID(err))
}

func TestThrottlingAndServerErrorsAreRetried(t *testing.T) {
	w := newWorld(t)
	clk := clocktest.Stepping(t, time.Unix(0, 0), time.Second, nil)
	c := newClientOn(t, w.srv.URL, testSK, clk)
	w.srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "DescribeVaults", Code: "Throttling.User", Count: 2})
	w.srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "DescribeVaults", Status: 503, Count: 1})
	before := hbrState(t, w.srv).Stats.Operations["DescribeVaults"]
	start := clk.Now()
	v, err := c.FindVault(ctx(t), region, "ack-backup-data")
	require.NoError(t, err)
	assert.Equal(t, w.vault.ID, v.ID)
	assert.GreaterOrEqual(t, clk.Since(start), 750*time.Millisecond, "backed off at least 250 ms, then 500 ms")
	assert.Equal(t, 4, hbrState(t, w.srv).Stats.Operations["DescribeVaults"]-before)

	w.srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "DescribeVaults", Code: "InvalidParameter", Count: 1})
	_, err = c.FindVault(ctx(t), region, "ack-backup-data")
	assert.ErrorIs(t, err, cloud.ErrInvalid, "refusals are not retried")
}
