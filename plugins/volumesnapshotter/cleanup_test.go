package volumesnapshotter

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// crossRegion backs up a disk in cn-hangzhou and returns a snapshotter of cn-beijing on the same fake
// cloud, whose restores give up after a minute, with the snapshot ID and volume type Velero keeps.
func crossRegion(t *testing.T, srcConfig map[string]string) (dst harness, id, typ string) {
	t.Helper()
	src := newSnapshotter(t, srcConfig, nil)
	src.ecs.readsToFinish = 0
	id, typ, _ = backupOf(t, src, essdDisk())
	dst = newSnapshotter(t, map[string]string{"region": "cn-beijing", "zone": "cn-beijing-h", "restoreTimeout": "1m"}, nil)
	dst.ecs = src.ecs
	dst.client = src.ecs
	src.ecs.clock = dst.clock // disks become ready on the clock the restore waits on
	return dst, id, typ
}

// inRegion lists the disks and snapshots of a region.
func (f *fakeECS) inRegion(region string) (disks, snapshots []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, d := range f.disks {
		if d.Region == region {
			disks = append(disks, id)
		}
	}
	for id, s := range f.snapshots {
		if s.Region == region {
			snapshots = append(snapshots, id)
		}
	}
	return disks, snapshots
}

func denied(op string) error {
	return &cloud.Error{Service: "ecs", Operation: op, Kind: cloud.ErrDenied, Code: "Forbidden.RAM", RequestID: "R-denied"}
}

func TestFailedDiskWaitDeletesTheDiskAndTheCopy(t *testing.T) {
	tests := []struct {
		name       string
		readyAfter time.Duration
		failDelete bool
		wantErr    []string
		wantLeft   bool // the disk could not go: the error names it
	}{
		{name: "the disk is deleted once ECS has made it", readyAfter: 3 * time.Minute,
			wantErr: []string{"wait for disk d-", "to become Available: still Creating after 1m0s"}},
		{name: "a disk still Creating after the cleanup's wait is named", readyAfter: time.Hour,
			wantErr: []string{"still Creating after waiting 5m0s more", "made by this restore, is left behind; delete it by hand"}, wantLeft: true},
		{name: "a disk ECS refuses to delete is named", readyAfter: 3 * time.Minute, failDelete: true,
			wantErr: []string{"made by this restore, is left behind; delete it by hand", "Forbidden.RAM"}, wantLeft: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, id, typ := crossRegion(t, nil)
			h.ecs.diskReadyAfter = tt.readyAfter
			if tt.failDelete {
				h.ecs.failNext["DeleteDisk"] = denied("DeleteDisk")
			}
			_, err := h.CreateVolumeFromSnapshot(id, typ, "", nil)
			require.Error(t, err)
			for _, s := range tt.wantErr {
				assert.ErrorContains(t, err, s)
			}
			disks, snapshots := h.ecs.inRegion("cn-beijing")
			assert.Empty(t, snapshots, "the copy went with the failed restore")
			if !tt.wantLeft {
				assert.Empty(t, disks)
				return
			}
			require.Len(t, disks, 1)
			assert.ErrorContains(t, err, "disk "+disks[0]+" in region cn-beijing", "the error names what is left")
		})
	}
}

func TestCopyThatNeverCompletesIsDeleted(t *testing.T) {
	for _, failDelete := range []bool{false, true} {
		h, id, typ := crossRegion(t, nil)
		h.ecs.copiesStall = true
		if failDelete {
			h.ecs.failNext["DeleteSnapshot"] = denied("DeleteSnapshot")
		}
		_, err := h.CreateVolumeFromSnapshot(id, typ, "", nil)
		require.Error(t, err)
		assert.ErrorContains(t, err, "ECS snapshot cross region request failed: wait for copy cn-beijing/s-")
		assert.ErrorContains(t, err, "progressing")
		disks, snapshots := h.ecs.inRegion("cn-beijing")
		assert.Empty(t, disks, "no disk was made")
		if !failDelete {
			assert.Empty(t, snapshots, "the copy went")
			continue
		}
		require.Len(t, snapshots, 1)
		assert.ErrorContains(t, err, "snapshot copy "+snapshots[0]+" in region cn-beijing, made by this restore, is left behind")
		assert.ErrorContains(t, err, "ECS deletes it after 2 days")
		assert.ErrorIs(t, err, cloud.ErrDenied)
	}
}

func TestRefusedDiskDeletesTheCopy(t *testing.T) {
	for _, failDelete := range []bool{false, true} {
		h, id, typ := crossRegion(t, nil)
		h.ecs.failNext["CreateDisk"] = denied("CreateDisk")
		if failDelete {
			h.ecs.failNext["DeleteSnapshot"] = denied("DeleteSnapshot")
		}
		_, err := h.CreateVolumeFromSnapshot(id, typ, "", nil)
		assert.ErrorIs(t, err, cloud.ErrDenied)
		assert.ErrorContains(t, err, "create disk from snapshot")
		_, snapshots := h.ecs.inRegion("cn-beijing")
		if failDelete {
			require.Len(t, snapshots, 1)
			assert.ErrorContains(t, err, "snapshot copy "+snapshots[0]+" in region cn-beijing, made by this restore, is left behind")
		} else {
			assert.Empty(t, snapshots)
		}
	}
}

// A creation whose answer is lost may have made the resource all the same: the restore finds it by
// its tag and deletes it.
func TestLostAnswersLeaveNothingBehind(t *testing.T) {
	for _, op := range []string{"CreateDisk", "CopySnapshot"} {
		t.Run(op, func(t *testing.T) {
			h, id, typ := crossRegion(t, nil)
			h.ecs.diskReadyAfter = 30 * time.Second
			h.ecs.loseAnswers[op] = true
			_, err := h.CreateVolumeFromSnapshot(id, typ, "", nil)
			assert.ErrorIs(t, err, cloud.ErrUnavailable)
			assert.Equal(t, 1, h.ecs.calls[op], "ECS took the call")
			disks, snapshots := h.ecs.inRegion("cn-beijing")
			assert.Empty(t, disks)
			assert.Empty(t, snapshots)
		})
	}
	t.Run("the search fails too", func(t *testing.T) {
		h, id, typ := crossRegion(t, nil)
		h.ecs.loseAnswers["CreateDisk"] = true
		h.ecs.failNext["FindDisks"] = denied("DescribeDisks")
		_, err := h.CreateVolumeFromSnapshot(id, typ, "", nil)
		require.Error(t, err)
		assert.Regexp(t, `look for disks tagged csdr.io/restore-id=csdr-[0-9a-f]+ in region cn-beijing and delete them`, err.Error())
		disks, _ := h.ecs.inRegion("cn-beijing")
		require.Len(t, disks, 1)
		assert.Contains(t, err.Error(), h.ecs.disks[disks[0]].Tags[restoreIDTagKey], "the tag value is the one the disk carries")
	})
}

// A copy always expires, even of a snapshot that is kept until deleted.
func TestCopiesGetAFiniteRetention(t *testing.T) {
	for timeout, want := range map[string]int{"1m": 2, "30m": 2, "24h": 2} {
		h, id, typ := crossRegion(t, map[string]string{"region": "cn-hangzhou", "snapshotRetentionDays": "none"})
		h.cfg.RestoreTimeout, _ = time.ParseDuration(timeout)
		_, err := h.CreateVolumeFromSnapshot(id, typ, "", nil)
		require.NoError(t, err)
		assert.Zero(t, h.ecs.snapshots[strings.TrimPrefix(id, "cn-hangzhou/")].RetentionDays, "the source is kept until deleted")
		assert.Equal(t, want, h.ecs.lastCopy.RetentionDays, "restoreTimeout %s", timeout)
	}
}

func TestRestoreTagsWhatItMakes(t *testing.T) {
	h, id, typ := crossRegion(t, nil)
	diskID, err := h.CreateVolumeFromSnapshot(id, typ, "", nil)
	require.NoError(t, err)
	restoreID := h.ecs.disks[diskID].Tags[restoreIDTagKey]
	assert.Regexp(t, `^csdr-[0-9a-f]{32}$`, restoreID)
	assert.Equal(t, restoreID, h.ecs.lastCopy.Tags[restoreIDTagKey])
	assert.Equal(t, restoreID+"-disk", h.ecs.lastDisk.ClientToken)
	assert.Equal(t, restoreID+"-copy", h.ecs.lastCopy.ClientToken)
	assert.LessOrEqual(t, len(h.ecs.lastDisk.ClientToken), 64, "ECS takes ClientTokens of up to 64 characters")
}
