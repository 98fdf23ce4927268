package emulator_test

import (
	"os"
	"path/filepath"
	"testing"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

func TestHBRRestoreBringsBackTheFiles(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	want := treeFacts(t, w.volume)
	job := w.waitBackup(t, w.backup(t, "b1"))
	require.Equal(t, "COMPLETE", tea.StringValue(job.Status), tea.StringValue(job.ErrorMessage))
	snap := w.snapshotOf(t, tea.StringValue(job.JobId))

	target := "/var/lib/kubelet/pods/restore-pod/volumes/kubernetes.io~csi/pv-new/mount"
	backing := w.mkMount(t, target)
	id := w.restore(t, tea.StringValue(snap.SnapshotId), target)
	r := w.waitRestore(t, id)
	require.Equal(t, "COMPLETE", tea.StringValue(r.Status), tea.StringValue(r.ErrorMessage))
	assert.EqualValues(t, 10000, tea.Int32Value(r.Progress))
	assert.Equal(t, tea.Int64Value(job.BytesTotal), tea.Int64Value(r.BytesDone))
	assert.Equal(t, tea.StringValue(snap.SnapshotId), tea.StringValue(r.SnapshotId))
	assert.Equal(t, want, treeFacts(t, backing), "checksums, modes, times and links come back")
}

func TestHBRRestoreFailures(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	job := w.waitBackup(t, w.backup(t, "b1"))
	snap := tea.StringValue(w.snapshotOf(t, tea.StringValue(job.JobId)).SnapshotId)

	r := w.waitRestore(t, w.restore(t, snap, "/var/lib/kubelet/pods/none/volumes/kubernetes.io~csi/pv/mount"))
	assert.Equal(t, "FAILED", tea.StringValue(r.Status))
	assert.Equal(t, hbr.ErrTargetNotExist, tea.StringValue(r.ErrorMessage))

	require.NoError(t, w.srv.HBR().RemoveAgent(testIdentifier, testNode))
	r = w.waitRestore(t, w.restore(t, snap, w.mount))
	assert.Equal(t, "FAILED", tea.StringValue(r.Status))
	assert.Equal(t, hbr.ErrClientNotExist, tea.StringValue(r.ErrorMessage))

	res, err := w.c.CreateRestoreJob(&hbrsdk.CreateRestoreJobRequest{RestoreType: tea.String("CONTAINER"), VaultId: tea.String(w.vaultID),
		SnapshotId: tea.String("s-missing"), TargetContainerClusterId: tea.String(w.cluster), TargetContainer: tea.String(`{"host":"n","hostPrefix":"/x"}`)})
	require.NoError(t, err)
	assert.Equal(t, hbr.CodeSnapshotNotExist, tea.StringValue(res.Body.Code))
	assert.False(t, tea.BoolValue(res.Body.Success))
}

func TestHBRCancelRestore(t *testing.T) {
	w := newHBRWorld(t)
	require.NoError(t, os.WriteFile(filepath.Join(w.volume, "big.bin"), randomBytes(4<<20, 9), 0o644))
	job := w.waitBackup(t, w.backup(t, "b1"))
	snap := tea.StringValue(w.snapshotOf(t, tea.StringValue(job.JobId)).SnapshotId)
	set := w.srv.HBR().Settings()
	set.Throughput = 256 << 10
	require.NoError(t, w.srv.HBR().SetSettings(set))
	target := "/var/lib/kubelet/pods/p2/volumes/kubernetes.io~csi/pv2/mount"
	w.mkMount(t, target)
	id := w.restore(t, snap, target)
	res, err := w.c.CancelRestoreJob(&hbrsdk.CancelRestoreJobRequest{RestoreId: tea.String(id), VaultId: tea.String(w.vaultID)})
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	r := w.waitRestore(t, id)
	assert.Equal(t, "CANCELED", tea.StringValue(r.Status))
	again, err := w.c.CancelRestoreJob(&hbrsdk.CancelRestoreJobRequest{RestoreId: tea.String(id)})
	require.NoError(t, err)
	assert.Equal(t, hbr.CodeJobFinished, tea.StringValue(again.Body.Code))

	list, err := w.c.DescribeRestoreJobs2(&hbrsdk.DescribeRestoreJobs2Request{RestoreType: tea.String("CONTAINER"),
		Filters: []*hbrsdk.DescribeRestoreJobs2RequestFilters{{Key: tea.String("VaultId"), Operator: tea.String("EQUAL"),
			Values: []*string{tea.String(w.vaultID)}}, {Key: tea.String("Status"), Operator: tea.String("IN"), Values: []*string{tea.String("CANCELED")}}}})
	require.NoError(t, err)
	assert.EqualValues(t, 1, tea.Int32Value(list.Body.TotalCount))
	_, err = w.c.DescribeRestoreJobs2(&hbrsdk.DescribeRestoreJobs2Request{
		Filters: []*hbrsdk.DescribeRestoreJobs2RequestFilters{{Key: tea.String("CreatedTime"), Values: []*string{tea.String("1")}}}})
	requireCode(t, err, 400, "InvalidParameter") // restores know no CreatedTime filter
}
