package volumesnapshotter_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/internal/clocktest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clocktesting "k8s.io/utils/clock/testing"

	emuecs "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// linkedClock is a clock that moves on whenever the plugin waits on it, and moves the emulator's ECS
// clock along: a restore's minutes pass in milliseconds, and ECS makes progress in them.
func linkedClock(t *testing.T, srv *emulatortest.Server) *clocktesting.FakeClock {
	return clocktest.Stepping(t, time.Now(), 5*time.Second, func(step time.Duration) error {
		_, err := srv.ECS().AdvanceClock(step)
		return err
	})
}

// regionState counts what the emulator's admin API reports in a region.
func regionState(t *testing.T, srv *emulatortest.Server, region string) (disks []emuecs.DiskState, snapshots []emuecs.SnapshotState) {
	t.Helper()
	resp, err := http.Get(srv.URL + "/_admin/ecs/state")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var state emuecs.State
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&state))
	for _, d := range state.Disks {
		if d.Region == region {
			disks = append(disks, d)
		}
	}
	for _, s := range state.Snapshots {
		if s.Region == region {
			snapshots = append(snapshots, s)
		}
	}
	return disks, snapshots
}

// migration backs a cn-hangzhou disk up and returns a plugin of cn-beijing on a clock linked to the
// emulator's, whose restores give up after a minute, with what Velero keeps of the backup.
func migration(t *testing.T) (srv *emulatortest.Server, target restorer, id, typ string) {
	t.Helper()
	srv = newEmulator(t)
	diskID := addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
		PerformanceLevel: "PL1", SizeGiB: 20, Status: "In_use"})
	id, typ, _ = snapshot(t, newPlugin(t, srv, "region=cn-hangzhou"), diskID)
	target = newPluginOn(t, srv, "region=cn-beijing,zone=cn-beijing-h,restoreTimeout=1m", linkedClock(t, srv))
	return srv, target, id, typ
}

type restorer interface {
	CreateVolumeFromSnapshot(snapshotID, volumeType, volumeAZ string, iops *int64) (string, error)
}

func slowDown(t *testing.T, srv *emulatortest.Server, disks, snapshots time.Duration) {
	t.Helper()
	require.NoError(t, srv.ECS().SetSettings(emuecs.Settings{DiskCreateDuration: disks, SnapshotDuration: snapshots}))
}

// A restore whose disk is still Creating when restoreTimeout ends deletes the disk once ECS lets it,
// and the snapshot copy; a disk that stays Creating past the cleanup's wait is named in the error.
func TestRestoreWhoseDiskNeverBecomesAvailableLeavesNothing(t *testing.T) {
	t.Run("the disk goes once ECS has made it", func(t *testing.T) {
		srv, target, id, typ := migration(t)
		slowDown(t, srv, 3*time.Minute, time.Second)
		_, err := target.CreateVolumeFromSnapshot(id, typ, "", nil)
		require.Error(t, err)
		assert.ErrorContains(t, err, "still Creating after 1m0s")
		disks, snapshots := regionState(t, srv, "cn-beijing")
		assert.Empty(t, disks, "the disk went")
		assert.Empty(t, snapshots, "the copy went")
		assert.Positive(t, srv.ECS().Stats().Operations["DeleteDisk"])
	})
	t.Run("a disk ECS keeps creating is named", func(t *testing.T) {
		srv, target, id, typ := migration(t)
		slowDown(t, srv, time.Hour, time.Second)
		_, err := target.CreateVolumeFromSnapshot(id, typ, "", nil)
		require.Error(t, err)
		disks, snapshots := regionState(t, srv, "cn-beijing")
		assert.Empty(t, snapshots, "the copy went")
		require.Len(t, disks, 1)
		assert.Equal(t, emuecs.DiskCreating, disks[0].Status)
		assert.ErrorContains(t, err, "disk "+disks[0].ID+" in region cn-beijing, made by this restore, is left behind; delete it by hand")
	})
}

func TestRestoreWhoseCopyNeverCompletesLeavesNothing(t *testing.T) {
	srv, target, id, typ := migration(t)
	slowDown(t, srv, 200*time.Millisecond, time.Hour) // the backup's snapshot is made already; its copy will take an hour
	_, err := target.CreateVolumeFromSnapshot(id, typ, "", nil)
	require.Error(t, err)
	assert.ErrorContains(t, err, "ECS snapshot cross region request failed: wait for copy cn-beijing/s-")
	assert.ErrorContains(t, err, "still progressing")
	disks, snapshots := regionState(t, srv, "cn-beijing")
	assert.Empty(t, disks)
	assert.Empty(t, snapshots, "the copy was cancelled")
	_, source := regionState(t, srv, "cn-hangzhou")
	require.Len(t, source, 1, "the backup's snapshot stays")
	assert.Equal(t, strings.TrimPrefix(id, "cn-hangzhou/"), source[0].ID)
}

// Lost answers: ECS does the work and the answer never comes, on every attempt of the client. What ECS
// made is found by its tag and deleted.
func TestRestoreWithLostAnswersLeavesNothing(t *testing.T) {
	for _, op := range []string{"CreateDisk", "CopySnapshot"} {
		t.Run(op, func(t *testing.T) {
			srv, target, id, typ := migration(t)
			srv.Faults().Add(faults.Fault{Service: "ecs", Operation: op, LoseAnswer: true})
			_, err := target.CreateVolumeFromSnapshot(id, typ, "", nil)
			assert.ErrorIs(t, err, cloud.ErrUnavailable)
			stats := srv.ECS().Stats()
			assert.Equal(t, 3, stats.Operations[op], "the client tried three times")
			disks, snapshots := regionState(t, srv, "cn-beijing")
			assert.Empty(t, disks)
			assert.Empty(t, snapshots)
		})
	}
	t.Run("one lost answer", func(t *testing.T) {
		srv, target, id, typ := migration(t)
		srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "CreateDisk", LoseAnswer: true, Count: 1})
		diskID, err := target.CreateVolumeFromSnapshot(id, typ, "", nil)
		require.NoError(t, err)
		disks, snapshots := regionState(t, srv, "cn-beijing")
		require.Len(t, disks, 1, "the retry found the first attempt's disk instead of making another")
		assert.Equal(t, diskID, disks[0].ID)
		assert.Empty(t, snapshots, "the copy served the restore and went")
	})
}
