package emulator_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

func TestHBRBackupFailures(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	outside := w.mkMount(t, "/mnt/data")
	require.NoError(t, os.WriteFile(filepath.Join(outside, "f"), []byte("x"), 0o644))
	tests := []struct {
		name, resources, want string
	}{
		{"node without an agent", `[{"host":"cn-hangzhou.192.0.2.99","hostPrefix":"` + w.relativePrefix() + `"}]`, hbr.ErrClientNotExist},
		{"unknown node name", `[{"host":"node-9","hostPrefix":"` + w.mount + `"}]`, hbr.ErrClientNotExist},
		{"path outside the kubelet root", `[{"host":"` + testNode + `","hostPrefix":"/mnt/data"}]`, hbr.ErrSourceNotExist},
		{"relative path escaping the pods dir", `[{"host":"` + testNode + `","hostPrefix":"../../../../mnt/data"}]`, hbr.ErrSourceNotExist},
		{"missing path", resources(podUID + "/volumes/kubernetes.io~csi/pv-gone/mount"), hbr.ErrSourceNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			job := w.waitBackup(t, w.backupOf(t, tt.name, tt.resources))
			assert.Equal(t, "FAILED", tea.StringValue(job.Status))
			assert.Equal(t, tt.want, tea.StringValue(job.ErrorMessage))
		})
	}
	t.Run("absolute path and node name", func(t *testing.T) {
		job := w.waitBackup(t, w.backupOf(t, "abs", `[{"host":"`+testNode+`","hostPrefix":"`+w.mount+`"}]`))
		assert.Equal(t, "COMPLETE", tea.StringValue(job.Status), tea.StringValue(job.ErrorMessage))
	})
	t.Run("a kubelet root elsewhere", func(t *testing.T) {
		_, err := w.srv.HBR().AddAgent(hbr.Agent{Cluster: testIdentifier, Node: "node-2", RootDir: w.nodeRoot, KubeletRoot: "/data/kubelet"})
		require.NoError(t, err)
		job := w.waitBackup(t, w.backupOf(t, "other-root", `[{"host":"node-2","hostPrefix":"`+w.relativePrefix()+`"}]`))
		assert.Equal(t, hbr.ErrSourceNotExist, tea.StringValue(job.ErrorMessage), "ACK's fix is KUBELET_ROOT_PATH: the default path is not there")
	})
	res, err := w.c.CreateBackupJob(&hbrsdk.CreateBackupJobRequest{SourceType: tea.String("CONTAINER"), VaultId: tea.String(w.vaultID),
		ContainerClusterId: tea.String(w.cluster), ContainerResources: tea.String(`{"host":"x"}`)})
	requireCode(t, err, 400, "InvalidParameter")
	res, err = w.c.CreateBackupJob(&hbrsdk.CreateBackupJobRequest{SourceType: tea.String("CONTAINER"), VaultId: tea.String(w.vaultID),
		ContainerClusterId: tea.String("cc-unknown"), ContainerResources: tea.String(resources("x"))})
	require.NoError(t, err)
	assert.Equal(t, hbr.CodeClusterNotExist, tea.StringValue(res.Body.Code))
}

func TestHBRPartialComplete(t *testing.T) {
	w := newHBRWorld(t)
	require.NoError(t, os.WriteFile(filepath.Join(w.volume, "a-big.bin"), randomBytes(1<<20, 3), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(w.volume, "z-log.txt"), []byte("rotated away"), 0o644))
	slow(t, w, 1<<20)
	id := w.backup(t, "b1")
	require.Eventually(t, func() bool { return tea.Int64Value(w.backupJob(t, id).BytesDone) > 0 }, 10*time.Second, 2*time.Millisecond)
	require.NoError(t, os.Remove(filepath.Join(w.volume, "z-log.txt")), "listed, then gone before it is read")
	job := w.waitBackup(t, id)
	assert.Equal(t, "PARTIAL_COMPLETE", tea.StringValue(job.Status))
	assert.Contains(t, tea.StringValue(job.ErrorMessage), "z-log.txt")
	snap := w.snapshotOf(t, id)
	assert.Equal(t, "PARTIAL_COMPLETE", tea.StringValue(snap.Status))
	assert.EqualValues(t, 1, tea.Int64Value(snap.ItemsDone), "the snapshot holds what was read")
}

func slow(t *testing.T, w *hbrWorld, bytesPerSecond int64) {
	t.Helper()
	set := w.srv.HBR().Settings()
	set.Throughput = bytesPerSecond
	require.NoError(t, w.srv.HBR().SetSettings(set))
}

func TestHBRIncrementalBackupWritesOnlyChanges(t *testing.T) {
	w := newHBRWorld(t)
	for i := range 20 {
		require.NoError(t, os.WriteFile(filepath.Join(w.volume, "f"+strconv.Itoa(i)), randomBytes(64<<10, byte(i)), 0o644))
	}
	first := w.waitBackup(t, w.backup(t, "b1"))
	require.Equal(t, "COMPLETE", tea.StringValue(first.Status))
	assert.EqualValues(t, 20*64<<10, tea.Int64Value(first.ActualBytes))
	written := w.srv.HBR().State().Store.BytesWritten

	changed := randomBytes(1000, 200)
	require.NoError(t, os.WriteFile(filepath.Join(w.volume, "f3"), changed, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(w.volume, "new"), randomBytes(500, 201), 0o644))
	require.NoError(t, os.Remove(filepath.Join(w.volume, "f7")))
	second := w.waitBackup(t, w.backup(t, "b2"))
	require.Equal(t, "COMPLETE", tea.StringValue(second.Status))
	assert.EqualValues(t, 1500, tea.Int64Value(second.ActualBytes), "only the changed and the new file are written")
	assert.EqualValues(t, 19*64<<10-64<<10+1500, tea.Int64Value(second.BytesTotal))
	assert.Equal(t, "INCREMENTAL", tea.StringValue(second.BackupType))
	assert.Equal(t, written+1500, w.srv.HBR().State().Store.BytesWritten)

	s1, s2 := w.snapshotOf(t, tea.StringValue(first.JobId)), w.snapshotOf(t, tea.StringValue(second.JobId))
	assert.Empty(t, tea.StringValue(s1.ParentSnapshotHash))
	assert.Equal(t, tea.StringValue(s1.SnapshotHash), tea.StringValue(s2.ParentSnapshotHash))

	// The second snapshot restores the volume as it is now, sharing the unchanged files with the first.
	want := treeFacts(t, w.volume)
	target := "/var/lib/kubelet/pods/p3/volumes/kubernetes.io~csi/pv3/mount"
	backing := w.mkMount(t, target)
	r := w.waitRestore(t, w.restore(t, tea.StringValue(s2.SnapshotId), target))
	require.Equal(t, "COMPLETE", tea.StringValue(r.Status), tea.StringValue(r.ErrorMessage))
	assert.Equal(t, want, treeFacts(t, backing))
}

func TestHBRCancelBackup(t *testing.T) {
	w := newHBRWorld(t)
	require.NoError(t, os.WriteFile(filepath.Join(w.volume, "big.bin"), randomBytes(4<<20, 5), 0o644))
	slow(t, w, 256<<10)
	id := w.backup(t, "b1")
	require.Eventually(t, func() bool { return tea.StringValue(w.backupJob(t, id).Status) == "RUNNING" }, 10*time.Second, 2*time.Millisecond)
	res, err := w.c.CancelBackupJob(&hbrsdk.CancelBackupJobRequest{JobId: tea.String(id), VaultId: tea.String(w.vaultID)})
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	job := w.waitBackup(t, id)
	assert.Equal(t, "CANCELED", tea.StringValue(job.Status))
	assert.Less(t, tea.Int64Value(job.BytesDone), int64(4<<20))
	assert.Empty(t, w.srv.HBR().State().Snapshots, "a canceled job leaves no snapshot")
	again, err := w.c.CancelBackupJob(&hbrsdk.CancelBackupJobRequest{JobId: tea.String(id)})
	require.NoError(t, err)
	assert.Equal(t, hbr.CodeJobFinished, tea.StringValue(again.Body.Code))
	missing, err := w.c.CancelBackupJob(&hbrsdk.CancelBackupJobRequest{JobId: tea.String("job-nope")})
	require.NoError(t, err)
	assert.Equal(t, hbr.CodeJobNotExist, tea.StringValue(missing.Body.Code))
}

func TestHBRCloseStopsRunningJobs(t *testing.T) {
	w := newHBRWorld(t)
	require.NoError(t, os.WriteFile(filepath.Join(w.volume, "big.bin"), randomBytes(4<<20, 6), 0o644))
	slow(t, w, 64<<10) // a minute's work
	id := w.backup(t, "b1")
	require.Eventually(t, func() bool { return tea.StringValue(w.backupJob(t, id).Status) == "RUNNING" }, 10*time.Second, 2*time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- w.srv.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for the job instead of stopping it")
	}
}
