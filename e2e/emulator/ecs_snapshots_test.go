package emulator_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

func TestECSSnapshotLifecycle(t *testing.T) {
	// 100 hours: the milliseconds the test itself takes move Progress by nothing.
	srv := newServer(t, func(o *emulator.Options) { o.ECS.SnapshotDuration = 100 * time.Hour })
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv, func(s *ecs.DiskSpec) {
		s.Encrypted, s.KMSKeyID, s.Status = true, "key-hz-backup", ecs.DiskInUse
	})
	id := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), SnapshotName: tea.String("velero-b1"),
		RetentionDays: tea.Int32(7), Tag: []*ecssdk.CreateSnapshotRequestTag{{Key: tea.String("velero.io/backup"), Value: tea.String("b1")}}})
	assert.Regexp(t, `^s-[a-z0-9]{20}$`, id)

	s := describeSnapshot(t, c, "cn-hangzhou", id)
	require.NotNil(t, s)
	assert.Equal(t, "progressing", tea.StringValue(s.Status))
	assert.Equal(t, "0%", tea.StringValue(s.Progress))
	assert.False(t, tea.BoolValue(s.Available))
	assert.Equal(t, int32(100*3600), tea.Int32Value(s.RemainTime))
	assert.Equal(t, disk.ID, tea.StringValue(s.SourceDiskId))
	assert.Equal(t, "40", tea.StringValue(s.SourceDiskSize))
	assert.Equal(t, "data", tea.StringValue(s.SourceDiskType), "ECS reports the disk's role here, not its category")
	assert.Equal(t, "velero-b1", tea.StringValue(s.SnapshotName))
	assert.Equal(t, "cn-hangzhou", tea.StringValue(s.RegionId))
	assert.True(t, tea.BoolValue(s.Encrypted), "inherited from the disk")
	assert.Equal(t, "key-hz-backup", tea.StringValue(s.KMSKeyId))
	assert.Equal(t, int32(7), tea.Int32Value(s.RetentionDays))
	require.Len(t, s.Tags.Tag, 1)
	assert.Equal(t, "velero.io/backup", tea.StringValue(s.Tags.Tag[0].TagKey))
	assert.Equal(t, "b1", tea.StringValue(s.Tags.Tag[0].TagValue))

	advance(t, srv, 50*time.Hour)
	s = describeSnapshot(t, c, "cn-hangzhou", id)
	assert.Equal(t, "progressing", tea.StringValue(s.Status))
	assert.Equal(t, "50%", tea.StringValue(s.Progress))
	assert.Equal(t, int32(50*3600), tea.Int32Value(s.RemainTime))

	advance(t, srv, 50*time.Hour)
	s = describeSnapshot(t, c, "cn-hangzhou", id)
	assert.Equal(t, "accomplished", tea.StringValue(s.Status))
	assert.Equal(t, "100%", tea.StringValue(s.Progress))
	assert.True(t, tea.BoolValue(s.Available))

	// RetentionDays counts on the emulator's clock.
	advance(t, srv, 7*24*time.Hour-100*time.Hour-time.Second)
	require.NotNil(t, describeSnapshot(t, c, "cn-hangzhou", id), "still there a second before expiry")
	advance(t, srv, 2*time.Second)
	assert.Nil(t, describeSnapshot(t, c, "cn-hangzhou", id), "released when its retention ran out")
	_, err := c.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(id)})
	requireCode(t, err, http.StatusNotFound, "InvalidSnapshotId.NotFound")
}

func TestECSInstantAccess(t *testing.T) {
	tests := []struct {
		category  string
		instant   bool
		available bool
	}{
		{ecs.CategoryESSD, true, true},
		{ecs.CategoryAuto, true, true},
		{ecs.CategoryESSDEntry, true, true},
		{ecs.CategoryESSD, false, false},
		{ecs.CategoryEfficiency, true, false},
		{ecs.CategorySSD, true, false},
	}
	srv := newServer(t, slowECS)
	c := newECSClient(t, srv, "cn-hangzhou")
	for _, tt := range tests {
		t.Run(tt.category, func(t *testing.T) {
			disk := addDisk(t, srv, func(s *ecs.DiskSpec) { s.Category = tt.category })
			id := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), InstantAccess: tea.Bool(tt.instant)})
			s := describeSnapshot(t, c, "cn-hangzhou", id)
			assert.Equal(t, "progressing", tea.StringValue(s.Status))
			assert.Equal(t, tt.available, tea.BoolValue(s.Available))
			assert.Equal(t, tt.available, tea.BoolValue(s.InstantAccess))
			_, err := c.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-j"),
				DiskCategory: tea.String("cloud_essd"), SnapshotId: tea.String(id)})
			if tt.available {
				assert.NoError(t, err, "an instantly available snapshot restores at once")
			} else {
				requireCode(t, err, http.StatusForbidden, "IncorrectSnapshotStatus")
			}
		})
	}
}

func TestECSCreateSnapshotRefusals(t *testing.T) {
	srv := newServer(t, slowECS)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv)
	creating, err := c.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-h"),
		DiskCategory: tea.String("cloud_essd"), Size: tea.Int32(20)})
	require.NoError(t, err)
	tests := []struct {
		name   string
		req    *ecssdk.CreateSnapshotRequest
		status int
		code   string
	}{
		{"no disk", &ecssdk.CreateSnapshotRequest{}, 400, "MissingParameter"},
		{"unknown disk", &ecssdk.CreateSnapshotRequest{DiskId: tea.String("d-nosuchdisk")}, 404, "InvalidDiskId.NotFound"},
		{"disk still creating", &ecssdk.CreateSnapshotRequest{DiskId: creating.Body.DiskId}, 403, "IncorrectDiskStatus"},
		{"retention of zero days", &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), RetentionDays: tea.Int32(0)}, 400, "InvalidParameter"},
		{"retention beyond 65536 days", &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), RetentionDays: tea.Int32(65537)}, 400, "InvalidParameter"},
		{"name reserved for automatic snapshots", &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), SnapshotName: tea.String("auto-1")}, 400, "InvalidSnapshotName.Malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.CreateSnapshot(tt.req)
			requireCode(t, err, tt.status, tt.code)
		})
	}
	assert.Empty(t, srv.ECS().State().Snapshots)
	id := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), RetentionDays: tea.Int32(65536)})
	assert.NotEmpty(t, id, "65536 days is the longest retention")
}

func TestECSCreateSnapshotClientToken(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv)
	req := &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), ClientToken: tea.String("backup-b1-pvc-1")}
	first := createSnapshot(t, c, req)
	assert.Equal(t, first, createSnapshot(t, c, req), "a retry returns the first snapshot")
	assert.Len(t, srv.ECS().State().Snapshots, 1)
	req.ClientToken = tea.String("backup-b2-pvc-1")
	assert.NotEqual(t, first, createSnapshot(t, c, req))
}

func TestECSDescribeSnapshotsFiltersAndPaging(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	d1, d2 := addDisk(t, srv), addDisk(t, srv)
	beijing := addDisk(t, srv, func(s *ecs.DiskSpec) { s.Region, s.Zone = "cn-beijing", "cn-beijing-h" })
	createSnapshot(t, newECSClient(t, srv, "cn-beijing"), &ecssdk.CreateSnapshotRequest{DiskId: tea.String(beijing.ID)})
	tag := []*ecssdk.CreateSnapshotRequestTag{{Key: tea.String("app"), Value: tea.String("db")}}
	var ids []string
	for i := 0; i < 7; i++ {
		disk, req := d1, &ecssdk.CreateSnapshotRequest{}
		if i%2 == 1 {
			disk, req.Tag = d2, tag
		}
		req.DiskId = tea.String(disk.ID)
		ids = append(ids, createSnapshot(t, c, req))
		advance(t, srv, time.Second) // distinct creation times; the first ones finish
	}
	describe := func(mutate func(*ecssdk.DescribeSnapshotsRequest)) *ecssdk.DescribeSnapshotsResponseBody {
		t.Helper()
		req := &ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("cn-hangzhou")}
		mutate(req)
		res, err := c.DescribeSnapshots(req)
		require.NoError(t, err)
		return res.Body
	}
	count := func(mutate func(*ecssdk.DescribeSnapshotsRequest)) int32 {
		return tea.Int32Value(describe(mutate).TotalCount)
	}
	assert.Equal(t, int32(7), count(func(*ecssdk.DescribeSnapshotsRequest) {}), "the other region's snapshot is not listed")
	assert.Equal(t, int32(4), count(func(r *ecssdk.DescribeSnapshotsRequest) { r.DiskId = tea.String(d1.ID) }))
	assert.Equal(t, int32(3), count(func(r *ecssdk.DescribeSnapshotsRequest) {
		r.Tag = []*ecssdk.DescribeSnapshotsRequestTag{{Key: tea.String("app"), Value: tea.String("db")}}
	}))
	assert.Equal(t, int32(0), count(func(r *ecssdk.DescribeSnapshotsRequest) {
		r.Tag = []*ecssdk.DescribeSnapshotsRequestTag{{Key: tea.String("app"), Value: tea.String("web")}}
	}))
	assert.Equal(t, int32(1), count(func(r *ecssdk.DescribeSnapshotsRequest) { r.Status = tea.String("progressing") }), "only the last is younger than 2s")
	assert.Equal(t, int32(6), count(func(r *ecssdk.DescribeSnapshotsRequest) { r.Status = tea.String("accomplished") }))
	assert.Equal(t, int32(7), count(func(r *ecssdk.DescribeSnapshotsRequest) { r.Status = tea.String("all") }))
	assert.Equal(t, int32(2), count(func(r *ecssdk.DescribeSnapshotsRequest) {
		r.SnapshotIds = tea.String(`["` + ids[0] + `","` + ids[1] + `","s-unknown"]`)
	}))
	body := describe(func(r *ecssdk.DescribeSnapshotsRequest) { r.SnapshotIds = tea.String(`["s-unknown"]`) })
	assert.Equal(t, int32(0), tea.Int32Value(body.TotalCount), "an unknown ID is an empty list, not an error")
	assert.Empty(t, body.Snapshots.Snapshot)

	// PageNumber/PageSize, newest first.
	var paged []string
	for page := int32(1); page <= 3; page++ {
		body := describe(func(r *ecssdk.DescribeSnapshotsRequest) { r.PageNumber, r.PageSize = tea.Int32(page), tea.Int32(3) })
		assert.Equal(t, int32(7), tea.Int32Value(body.TotalCount))
		assert.Equal(t, page, tea.Int32Value(body.PageNumber))
		for _, s := range body.Snapshots.Snapshot {
			paged = append(paged, tea.StringValue(s.SnapshotId))
		}
	}
	newestFirst := make([]string, len(ids))
	for i, id := range ids {
		newestFirst[len(ids)-1-i] = id
	}
	assert.Equal(t, newestFirst, paged)

	// MaxResults/NextToken.
	var tokened []string
	token := ""
	for pages := 0; pages < 10; pages++ {
		body := describe(func(r *ecssdk.DescribeSnapshotsRequest) {
			r.MaxResults = tea.Int32(2)
			if token != "" {
				r.NextToken = tea.String(token)
			}
		})
		for _, s := range body.Snapshots.Snapshot {
			tokened = append(tokened, tea.StringValue(s.SnapshotId))
		}
		if token = tea.StringValue(body.NextToken); token == "" {
			break
		}
	}
	assert.Equal(t, newestFirst, tokened)

	tooMany, _ := json.Marshal(make([]string, 101))
	_, err := c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("cn-hangzhou"), SnapshotIds: tea.String(string(tooMany))})
	requireCode(t, err, http.StatusBadRequest, "InvalidSnapshotIds.Malformed")
	_, err = c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("cn-hangzhou"), SnapshotIds: tea.String("s-1,s-2")})
	requireCode(t, err, http.StatusBadRequest, "InvalidSnapshotIds.Malformed")
	_, err = c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("cn-hangzhou"), NextToken: tea.String("garbage")})
	requireCode(t, err, http.StatusBadRequest, "InvalidParameter.NextToken")
	_, err = c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("cn-hangzhou"), Status: tea.String("done")})
	requireCode(t, err, http.StatusBadRequest, "InvalidParameter")
}
