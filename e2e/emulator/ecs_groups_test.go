package emulator_test

import (
	"net/http"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

func TestECSSnapshotGroups(t *testing.T) {
	srv := newServer(t, slowECS)
	c := newECSClient(t, srv, "cn-hangzhou")
	onInstance := func(s *ecs.DiskSpec) { s.Status, s.InstanceID = ecs.DiskInUse, "i-app000000000000000001" }
	system, data1, data2 := addDisk(t, srv, onInstance), addDisk(t, srv, onInstance), addDisk(t, srv, onInstance)
	loose := addDisk(t, srv)

	byInstance, err := c.CreateSnapshotGroup(&ecssdk.CreateSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"),
		InstanceId: tea.String("i-app000000000000000001"), ExcludeDiskId: []*string{tea.String(system.ID)}, Name: tea.String("app-consistent"),
		Tag: []*ecssdk.CreateSnapshotGroupRequestTag{{Key: tea.String("velero.io/backup"), Value: tea.String("b1")}}})
	require.NoError(t, err)
	g1 := tea.StringValue(byInstance.Body.SnapshotGroupId)
	assert.Regexp(t, `^ssg-[a-z0-9]{20}$`, g1)
	byDisks, err := c.CreateSnapshotGroup(&ecssdk.CreateSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"),
		DiskId: []*string{tea.String(loose.ID), tea.String(system.ID)}, InstantAccess: tea.Bool(true), ClientToken: tea.String("grp-2")})
	require.NoError(t, err)
	g2 := tea.StringValue(byDisks.Body.SnapshotGroupId)
	retried, err := c.CreateSnapshotGroup(&ecssdk.CreateSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"),
		DiskId: []*string{tea.String(loose.ID), tea.String(system.ID)}, InstantAccess: tea.Bool(true), ClientToken: tea.String("grp-2")})
	require.NoError(t, err)
	assert.Equal(t, g2, tea.StringValue(retried.Body.SnapshotGroupId))

	describe := func(req *ecssdk.DescribeSnapshotGroupsRequest) []*ecssdk.DescribeSnapshotGroupsResponseBodySnapshotGroupsSnapshotGroup {
		t.Helper()
		req.RegionId = tea.String("cn-hangzhou")
		res, err := c.DescribeSnapshotGroups(req)
		require.NoError(t, err)
		return res.Body.SnapshotGroups.SnapshotGroup
	}
	groups := describe(&ecssdk.DescribeSnapshotGroupsRequest{SnapshotGroupId: []*string{tea.String(g1)}})
	require.Len(t, groups, 1)
	g := groups[0]
	assert.Equal(t, "progressing", tea.StringValue(g.Status))
	assert.Equal(t, "app-consistent", tea.StringValue(g.Name))
	assert.Equal(t, "i-app000000000000000001", tea.StringValue(g.InstanceId))
	require.Len(t, g.Tags.Tag, 1)
	assert.Equal(t, "velero.io/backup", tea.StringValue(g.Tags.Tag[0].Key), "groups spell tags Key/Value")
	require.Len(t, g.Snapshots.Snapshot, 2, "the excluded system disk is left out")
	var sources []string
	for _, s := range g.Snapshots.Snapshot {
		sources = append(sources, tea.StringValue(s.SourceDiskId))
		assert.Equal(t, "0%", tea.StringValue(s.Progress))
		assert.False(t, tea.BoolValue(s.Available))
		assert.Equal(t, "b1", tea.StringValue(s.Tags.Tag[0].Value))
	}
	assert.ElementsMatch(t, []string{data1.ID, data2.ID}, sources)
	for _, s := range describe(&ecssdk.DescribeSnapshotGroupsRequest{SnapshotGroupId: []*string{tea.String(g2)}})[0].Snapshots.Snapshot {
		assert.True(t, tea.BoolValue(s.Available), "instant access on ESSD")
	}

	assert.Empty(t, describe(&ecssdk.DescribeSnapshotGroupsRequest{Status: []*string{tea.String("accomplished")}}))
	advance(t, srv, time.Hour)
	assert.Len(t, describe(&ecssdk.DescribeSnapshotGroupsRequest{Status: []*string{tea.String("accomplished")}}), 2)
	assert.Len(t, describe(&ecssdk.DescribeSnapshotGroupsRequest{InstanceId: tea.String("i-app000000000000000001")}), 1)
	page := describe(&ecssdk.DescribeSnapshotGroupsRequest{MaxResults: tea.Int32(1)})
	require.Len(t, page, 1)

	snaps, err := c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("cn-hangzhou")})
	require.NoError(t, err)
	assert.Equal(t, int32(4), tea.Int32Value(snaps.Body.TotalCount), "group snapshots are snapshots")

	// Deleting a group deletes its snapshots, except one a disk was restored from.
	kept := describe(&ecssdk.DescribeSnapshotGroupsRequest{SnapshotGroupId: []*string{tea.String(g2)}})[0].Snapshots.Snapshot[0].SnapshotId
	_, err = c.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-h"),
		DiskCategory: tea.String("cloud_essd"), SnapshotId: kept})
	require.NoError(t, err)
	del, err := c.DeleteSnapshotGroup(&ecssdk.DeleteSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"), SnapshotGroupId: tea.String(g2)})
	require.NoError(t, err)
	statuses := map[string]string{}
	for _, p := range del.Body.OperationProgressSet.OperationProgress {
		statuses[tea.StringValue(p.RelatedItemSet.RelatedItem[0].Value)] = tea.StringValue(p.OperationStatus) + tea.StringValue(p.ErrorCode)
	}
	assert.Len(t, statuses, 2)
	assert.Equal(t, "FailedSnapshotCreatedDisk", statuses[tea.StringValue(kept)])
	left := describe(&ecssdk.DescribeSnapshotGroupsRequest{SnapshotGroupId: []*string{tea.String(g2)}})
	require.Len(t, left, 1, "the group stays while a snapshot of it does")
	assert.Len(t, left[0].Snapshots.Snapshot, 1)

	_, err = c.DeleteSnapshotGroup(&ecssdk.DeleteSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"), SnapshotGroupId: tea.String(g1)})
	require.NoError(t, err)
	assert.Empty(t, describe(&ecssdk.DescribeSnapshotGroupsRequest{SnapshotGroupId: []*string{tea.String(g1)}}))
	_, err = c.DeleteSnapshotGroup(&ecssdk.DeleteSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"), SnapshotGroupId: tea.String(g1)})
	requireCode(t, err, http.StatusNotFound, "InvalidSnapshotGroupId.NotFound")
}

func TestECSSnapshotGroupRefusals(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv)
	tests := []struct {
		name   string
		req    *ecssdk.CreateSnapshotGroupRequest
		status int
		code   string
	}{
		{"neither disks nor instance", &ecssdk.CreateSnapshotGroupRequest{}, 400, "MissingParameter"},
		{"unknown instance", &ecssdk.CreateSnapshotGroupRequest{InstanceId: tea.String("i-nobody")}, 404, "InvalidInstanceId.NotFound"},
		{"unknown disk", &ecssdk.CreateSnapshotGroupRequest{DiskId: []*string{tea.String(disk.ID), tea.String("d-gone")}}, 404, "InvalidDiskId.NotFound"},
		{"everything excluded", &ecssdk.CreateSnapshotGroupRequest{DiskId: []*string{tea.String(disk.ID)},
			ExcludeDiskId: []*string{tea.String(disk.ID)}}, 400, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.RegionId = tea.String("cn-hangzhou")
			_, err := c.CreateSnapshotGroup(tt.req)
			requireCode(t, err, tt.status, tt.code)
		})
	}
	_, err := c.CreateSnapshotGroup(&ecssdk.CreateSnapshotGroupRequest{DiskId: []*string{tea.String(disk.ID)}})
	requireCode(t, err, http.StatusBadRequest, "MissingParameter")
	assert.Empty(t, srv.ECS().State().Groups)
}
