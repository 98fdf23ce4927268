package hbr_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// world is an emulator with the ack-backup-data vault, a registered cluster and one node with an agent.
type world struct {
	srv     *emulatortest.Server
	c       hbr.Client
	vault   *hbr.Vault
	cluster *hbr.ContainerCluster
	node    node
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv, c := newEnv(t)
	v, err := c.EnsureVault(ctx(t), region, "ack-backup-data")
	require.NoError(t, err)
	cl, err := c.EnsureContainerCluster(ctx(t), region, hbr.ContainerClusterSpec{Identifier: identifier, Name: "cluster-a"})
	require.NoError(t, err)
	return &world{srv: srv, c: c, vault: v, cluster: cl, node: addAgent(t, srv, nodeName, nodeIP)}
}

// spec is a backup of the volume at nodePath of w's node.
func (w *world) spec(name, nodePath string) hbr.BackupJobSpec {
	return hbr.BackupJobSpec{Region: region, VaultID: w.vault.ID, ContainerClusterID: w.cluster.ID, Name: name,
		RetentionDays: 30, Since: time.Now(), Volume: hbr.Volume{PVName: "pv-data", PVUID: "7d1e-pv-uid", PVCName: "data",
			Namespace: "shop", StorageClass: "alibabacloud-cnfs-nas", Size: "8Gi", NodeIP: w.node.ip, NodePath: nodePath}}
}

func (w *world) backup(t *testing.T, name, nodePath string) *hbr.BackupJob {
	t.Helper()
	id, err := w.c.CreateBackupJob(ctx(t), w.spec(name, nodePath))
	require.NoError(t, err)
	return waitJob(t, w.c, id)
}

var files = map[string]string{"a.txt": "alpha", "dir/b.bin": string(make([]byte, 4096)), "dir/sub/c.txt": "gamma"}

func TestBackupAndRestoreAVolume(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, files)

	job := w.backup(t, "b1-7d1e-hbr", src)
	require.NoError(t, job.Err())
	assert.Equal(t, hbr.StatusComplete, job.Status)
	assert.Equal(t, hbr.ProgressDone, job.Progress)
	assert.EqualValues(t, 5+4096+5, job.BytesTotal)
	assert.Equal(t, job.BytesTotal, job.BytesDone)
	assert.Equal(t, "b1-7d1e-hbr", job.Name)

	found, err := w.c.FindBackupJob(ctx(t), region, w.vault.ID, "b1-7d1e-hbr", time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.Equal(t, job.ID, found.ID)
	_, err = w.c.FindBackupJob(ctx(t), region, w.vault.ID, "b2-7d1e-hbr", time.Now().Add(-time.Minute))
	assert.ErrorIs(t, err, cloud.ErrNotFound)
	_, err = w.c.DescribeBackupJob(ctx(t), region, "job-missing")
	assert.ErrorIs(t, err, cloud.ErrNotFound)

	snaps, err := w.c.JobSnapshots(ctx(t), region, w.vault.ID, job.ID)
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	snap := snaps[0]
	assert.Equal(t, job.ID, snap.JobID)
	assert.EqualValues(t, 30, snap.RetentionDays)

	// Into a path of another node of another cluster.
	other, err := w.c.EnsureContainerCluster(ctx(t), region, hbr.ContainerClusterSpec{Identifier: "uid-of-cluster-b"})
	require.NoError(t, err)
	target := addAgentOf(t, w.srv, "uid-of-cluster-b", "b-node-1", "192.0.2.21")
	dst := volumePath("pod-uid-2", "pv-restored")
	require.NoError(t, os.MkdirAll(target.hostPath(dst), 0o755))
	restoreID, err := w.c.CreateRestoreJob(ctx(t), hbr.RestoreJobSpec{Region: region, VaultID: w.vault.ID, SnapshotID: snap.ID,
		TargetContainerClusterID: other.ID, TargetNode: target.name, TargetPath: dst, Since: time.Now()})
	require.NoError(t, err)
	restore := waitRestore(t, w.c, w.vault.ID, restoreID)
	require.NoError(t, restore.Err())
	assert.Equal(t, snap.ID, restore.SnapshotID)
	for name, content := range files {
		got, err := os.ReadFile(filepath.Join(target.hostPath(dst), name))
		require.NoError(t, err, name)
		assert.Equal(t, content, string(got), name)
	}

	require.NoError(t, w.c.DeleteSnapshot(ctx(t), region, w.vault.ID, snap.ID))
	require.NoError(t, w.c.DeleteSnapshot(ctx(t), region, w.vault.ID, snap.ID), "already gone is success")
	snaps, err = w.c.JobSnapshots(ctx(t), region, w.vault.ID, job.ID)
	require.NoError(t, err)
	assert.Empty(t, snaps)
}

// A second backup of the same volume is incremental: the store takes only the changed file's bytes.
func TestIncrementalBackupWritesOnlyChangedBytes(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	big := map[string]string{}
	for _, name := range []string{"1.bin", "2.bin", "3.bin", "4.bin"} {
		big[name] = string(randomBytes(t, 64<<10))
	}
	writeFiles(t, w.node, src, big)
	first := w.backup(t, "b1-7d1e-hbr", src)
	require.NoError(t, first.Err())
	written := storeBytesWritten(t, w.srv)
	assert.EqualValues(t, 4*64<<10, first.ActualBytes)

	changed := string(randomBytes(t, 64<<10))
	writeFiles(t, w.node, src, map[string]string{"3.bin": changed})
	second := w.backup(t, "b2-7d1e-hbr", src)
	require.NoError(t, second.Err())
	assert.EqualValues(t, 4*64<<10, second.BytesTotal, "reads the whole volume")
	assert.EqualValues(t, 64<<10, second.ActualBytes, "writes one file")
	assert.EqualValues(t, 64<<10, storeBytesWritten(t, w.srv)-written, "the store took one file's bytes")

	snaps, err := w.c.JobSnapshots(ctx(t), region, w.vault.ID, second.ID)
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	firstSnaps, err := w.c.JobSnapshots(ctx(t), region, w.vault.ID, first.ID)
	require.NoError(t, err)
	require.Len(t, firstSnaps, 1)
	assert.Equal(t, firstSnaps[0].Hash, snaps[0].ParentHash, "the first snapshot is the parent")
}

func TestJobFailuresInACKWords(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, files)

	noAgent := w.spec("b1-noagent-hbr", src)
	noAgent.Volume.NodeIP = "192.0.2.99"
	id, err := w.c.CreateBackupJob(ctx(t), noAgent)
	require.NoError(t, err)
	job := waitJob(t, w.c, id)
	assert.Equal(t, hbr.StatusFailed, job.Status)
	assert.EqualError(t, job.Err(), "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist")

	// A kubelet root other than the agent's: the path is not where the agent looks.
	job = w.backup(t, "b1-elsewhere-hbr", "/data/kubelet/pods/pod-uid-1/volumes/kubernetes.io~csi/pv-data/mount")
	assert.EqualError(t, job.Err(), "hbr task finished with unexpected status: FAILED, errMsg SOURCE_NOT_EXIST")
	job = w.backup(t, "b1-missing-hbr", volumePath("pod-uid-9", "pv-none"))
	assert.EqualError(t, job.Err(), "hbr task finished with unexpected status: FAILED, errMsg SOURCE_NOT_EXIST")
}

func TestCancelBackupJob(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, map[string]string{"big.bin": string(randomBytes(t, 1<<20))})
	settings(t, w.srv, map[string]any{"throughput": "64KiB/s"})
	id, err := w.c.CreateBackupJob(ctx(t), w.spec("b1-cancel-hbr", src))
	require.NoError(t, err)
	require.NoError(t, w.c.CancelBackupJob(ctx(t), region, w.vault.ID, id))
	job := waitJob(t, w.c, id)
	assert.Equal(t, hbr.StatusCanceled, job.Status)
	assert.Less(t, job.Progress, hbr.ProgressDone)
	assert.ErrorIs(t, w.c.CancelBackupJob(ctx(t), region, w.vault.ID, id), cloud.ErrInvalid, "already over")
}

// Jobs and snapshots are listed a page at a time (at most 99); the oldest are on the last page.
func TestFindsJobsAndSnapshotsOnLaterPages(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, map[string]string{"a.txt": "alpha"})
	var ids []string
	for i := range 101 {
		id, err := w.c.CreateBackupJob(ctx(t), w.spec(fmt.Sprintf("b%03d-7d1e-hbr", i), src))
		require.NoError(t, err)
		ids = append(ids, id)
	}
	for _, id := range ids {
		require.NoError(t, waitJob(t, w.c, id).Err())
	}
	found, err := w.c.FindBackupJob(ctx(t), region, w.vault.ID, "b000-7d1e-hbr", time.Now().Add(-time.Minute))
	require.NoError(t, err)
	assert.Equal(t, ids[0], found.ID)
	snaps, err := w.c.JobSnapshots(ctx(t), region, w.vault.ID, ids[0])
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	assert.Equal(t, ids[0], snaps[0].JobID)
}

// Snapshots go when their retention runs out on HBR's clock.
func TestSnapshotsExpire(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, files)
	job := w.backup(t, "b1-7d1e-hbr", src)
	snaps, err := w.c.JobSnapshots(ctx(t), region, w.vault.ID, job.ID)
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	assert.WithinDuration(t, snaps[0].Created.Add(30*24*time.Hour), snaps[0].Expires, time.Second)
	admin(t, w.srv, http.MethodPost, "/_admin/hbr/clock", map[string]string{"advance": "721h"}, nil)
	snaps, err = w.c.JobSnapshots(ctx(t), region, w.vault.ID, job.ID)
	require.NoError(t, err)
	assert.Empty(t, snaps)
	assert.NoError(t, w.c.DeleteSnapshot(ctx(t), region, w.vault.ID, "s-expired"), "gone is success")
}
