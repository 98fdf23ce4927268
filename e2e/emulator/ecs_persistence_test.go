package emulator_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

func TestECSPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	opts := func(o *emulator.Options) { o.DataDir = dir }
	srv := newServer(t, opts)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv, func(s *ecs.DiskSpec) { s.Status, s.Tags = ecs.DiskInUse, map[string]string{"pv": "pv-1"} })
	kept := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), ClientToken: tea.String("tok-1")})
	expiring := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), RetentionDays: tea.Int32(1)})
	group, err := c.CreateSnapshotGroup(&ecssdk.CreateSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"), DiskId: []*string{tea.String(disk.ID)}})
	require.NoError(t, err)
	advance(t, srv, time.Hour)
	cp, err := c.CopySnapshot(&ecssdk.CopySnapshotRequest{RegionId: tea.String("cn-hangzhou"), SnapshotId: tea.String(kept),
		DestinationRegionId: tea.String("cn-shanghai")})
	require.NoError(t, err)
	before := srv.ECS().State()
	require.NoError(t, srv.Close())

	files, err := os.ReadDir(filepath.Join(dir, "ecs"))
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	assert.ElementsMatch(t, []string{"state.json", "disks", "snapshots", "tmp"}, names, "no temporary state files")
	stale := filepath.Join(dir, "ecs", "state.json.tmp-123")
	require.NoError(t, os.WriteFile(stale, []byte("{half"), 0o644)) // a write a crash cut short

	again := newServer(t, opts)
	c = newECSClient(t, again, "cn-hangzhou")
	_, err = os.Stat(stale)
	assert.ErrorIs(t, err, os.ErrNotExist, "leftovers of an interrupted write are swept at start")
	after := again.ECS().State()
	assert.Equal(t, before.Clock.Offset, after.Clock.Offset, "the clock keeps its offset")
	assert.Equal(t, len(before.Disks), len(after.Disks))
	assert.Equal(t, len(before.Snapshots), len(after.Snapshots))
	assert.Equal(t, len(before.Groups), len(after.Groups))
	for i := range before.Snapshots {
		assert.Equal(t, before.Snapshots[i].ID, after.Snapshots[i].ID)
		assert.True(t, before.Snapshots[i].ReadyAt.Equal(after.Snapshots[i].ReadyAt))
	}
	assert.Equal(t, ecs.DiskInUse, describeDiskStatus(t, c, disk.ID))
	assert.Equal(t, "accomplished", tea.StringValue(describeSnapshot(t, c, "cn-hangzhou", kept).Status))
	assert.NotNil(t, describeSnapshot(t, newECSClient(t, again, "cn-shanghai"), "cn-shanghai", tea.StringValue(cp.Body.SnapshotId)))
	groups, err := c.DescribeSnapshotGroups(&ecssdk.DescribeSnapshotGroupsRequest{RegionId: tea.String("cn-hangzhou")})
	require.NoError(t, err)
	require.Len(t, groups.Body.SnapshotGroups.SnapshotGroup, 1)
	assert.Equal(t, tea.StringValue(group.Body.SnapshotGroupId), tea.StringValue(groups.Body.SnapshotGroups.SnapshotGroup[0].SnapshotGroupId))

	assert.Equal(t, kept, createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), ClientToken: tea.String("tok-1")}),
		"ClientTokens survive a restart")
	advance(t, again, 24*time.Hour)
	assert.Nil(t, describeSnapshot(t, c, "cn-hangzhou", expiring), "retention keeps counting after a restart")
}

func describeDiskStatus(t *testing.T, c *ecssdk.Client, id string) string {
	t.Helper()
	return tea.StringValue(describeDisk(t, c, "cn-hangzhou", id).Status)
}

func TestECSContentSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	opts := func(o *emulator.Options) { o.DataDir = dir }
	srv := newServer(t, opts)
	disk := diskContent(t, srv, addDisk(t, srv).ID)
	writeFiles(t, disk.DataDir, map[string]string{"a/b.txt": "kept"})
	snap := createSnapshot(t, newECSClient(t, srv, "cn-hangzhou"), &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), InstantAccess: tea.Bool(true)})
	want := checksums(t, disk.DataDir)
	require.NoError(t, srv.Close())
	orphan := filepath.Join(dir, "ecs", "disks", "d-deletedbeforecrash0")
	require.NoError(t, os.MkdirAll(orphan, 0o755)) // a crash between saving a deletion and removing the content
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "ecs", "tmp", "content-1"), 0o755))

	again := newServer(t, opts)
	assert.Equal(t, want, checksums(t, diskContent(t, again, disk.ID).DataDir))
	res, err := newECSClient(t, again, "cn-hangzhou").CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"),
		ZoneId: tea.String("cn-hangzhou-h"), DiskCategory: tea.String("cloud_essd"), SnapshotId: tea.String(snap)})
	require.NoError(t, err)
	assert.Equal(t, want, checksums(t, diskContent(t, again, tea.StringValue(res.Body.DiskId)).DataDir), "snapshot content is kept too")
	assert.NoDirExists(t, orphan, "content of a resource the state lacks is swept")
	assert.NoDirExists(t, filepath.Join(dir, "ecs", "tmp", "content-1"), "a copy a crash cut short is swept")
}
