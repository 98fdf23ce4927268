package emulator_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

func TestECSRestoreFromSnapshot(t *testing.T) {
	srv := newServer(t, slowECS)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv, func(s *ecs.DiskSpec) { s.SizeGiB, s.Encrypted, s.KMSKeyID = 50, true, "key-1" })
	id := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID)})
	restore := func(mutate func(*ecssdk.CreateDiskRequest)) (string, error) {
		req := &ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-j"),
			DiskCategory: tea.String("cloud_auto"), SnapshotId: tea.String(id)}
		mutate(req)
		res, err := c.CreateDisk(req)
		if err != nil {
			return "", err
		}
		return tea.StringValue(res.Body.DiskId), nil
	}
	_, err := restore(func(*ecssdk.CreateDiskRequest) {})
	se := requireCode(t, err, http.StatusForbidden, "IncorrectSnapshotStatus")
	assert.Contains(t, tea.StringValue(se.Message), "progressing")
	advance(t, srv, time.Hour)

	restored, err := restore(func(*ecssdk.CreateDiskRequest) {})
	require.NoError(t, err)
	d := describeDisk(t, c, "cn-hangzhou", restored)
	assert.Equal(t, int32(50), tea.Int32Value(d.Size), "without Size the disk takes the snapshot's size")
	assert.Equal(t, id, tea.StringValue(d.SourceSnapshotId))
	assert.True(t, tea.BoolValue(d.Encrypted), "a disk from an encrypted snapshot is encrypted")
	assert.Equal(t, "key-1", tea.StringValue(d.KMSKeyId))

	bigger, err := restore(func(r *ecssdk.CreateDiskRequest) { r.Size = tea.Int32(80) })
	require.NoError(t, err)
	assert.Equal(t, int32(80), tea.Int32Value(describeDisk(t, c, "cn-hangzhou", bigger).Size))
	_, err = restore(func(r *ecssdk.CreateDiskRequest) { r.Size = tea.Int32(49) })
	requireCode(t, err, http.StatusForbidden, "InvalidDiskSize.TooSmall")
	_, err = restore(func(r *ecssdk.CreateDiskRequest) { r.Encrypted = tea.Bool(false) })
	requireCode(t, err, http.StatusBadRequest, "EncryptedOption.Conflict")
	_, err = restore(func(r *ecssdk.CreateDiskRequest) {
		r.RegionId, r.ZoneId = tea.String("cn-beijing"), tea.String("cn-beijing-h")
	})
	requireCode(t, err, http.StatusNotFound, "InvalidSnapshotId.NotFound")

	res, err := c.DescribeDisks(&ecssdk.DescribeDisksRequest{RegionId: tea.String("cn-hangzhou"), SnapshotId: tea.String(id)})
	require.NoError(t, err)
	assert.Equal(t, int32(2), tea.Int32Value(res.Body.TotalCount))
	s := describeSnapshot(t, c, "cn-hangzhou", id)
	assert.Equal(t, "disk", tea.StringValue(s.Usage))
}

func TestECSDeleteSnapshot(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv)
	id := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), InstantAccess: tea.Bool(true)})
	restored, err := c.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-h"),
		DiskCategory: tea.String("cloud_essd"), SnapshotId: tea.String(id)})
	require.NoError(t, err)

	_, err = c.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String("s-nosuchsnapshot")})
	requireCode(t, err, http.StatusNotFound, "InvalidSnapshotId.NotFound")
	_, err = c.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(id)})
	se := requireCode(t, err, http.StatusForbidden, "SnapshotCreatedDisk")
	assert.Contains(t, tea.StringValue(se.Message), tea.StringValue(restored.Body.DiskId))
	_, err = c.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(id), Force: tea.Bool(false)})
	requireCode(t, err, http.StatusForbidden, "SnapshotCreatedDisk")

	_, err = c.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(id), Force: tea.Bool(true)})
	require.NoError(t, err)
	assert.Nil(t, describeSnapshot(t, c, "cn-hangzhou", id))
	assert.Equal(t, id, tea.StringValue(describeDisk(t, c, "cn-hangzhou", tea.StringValue(restored.Body.DiskId)).SourceSnapshotId),
		"the disk remembers where it came from")

	// A snapshot nothing was restored from goes without Force, also while progressing.
	other := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID)})
	_, err = c.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(other)})
	require.NoError(t, err)
}

func TestECSCopySnapshot(t *testing.T) {
	srv := newServer(t, slowECS)
	hz, bj := newECSClient(t, srv, "cn-hangzhou"), newECSClient(t, srv, "cn-beijing")
	disk := addDisk(t, srv, func(s *ecs.DiskSpec) { s.SizeGiB = 64 })
	src := createSnapshot(t, hz, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID)})
	copyReq := func() *ecssdk.CopySnapshotRequest {
		return &ecssdk.CopySnapshotRequest{RegionId: tea.String("cn-hangzhou"), SnapshotId: tea.String(src),
			DestinationRegionId: tea.String("cn-beijing"), DestinationSnapshotName: tea.String("dr-copy"), RetentionDays: tea.Int32(7),
			Encrypted: tea.Bool(true), KMSKeyId: tea.String("key-bj"), ClientToken: tea.String("copy-1"),
			Tag: []*ecssdk.CopySnapshotRequestTag{{Key: tea.String("dr"), Value: tea.String("yes")}}}
	}
	_, err := hz.CopySnapshot(copyReq())
	requireCode(t, err, http.StatusForbidden, "IncorrectSnapshotStatus")
	advance(t, srv, time.Hour)

	res, err := hz.CopySnapshot(copyReq())
	require.NoError(t, err)
	cp := tea.StringValue(res.Body.SnapshotId)
	assert.NotEqual(t, src, cp)
	again, err := hz.CopySnapshot(copyReq())
	require.NoError(t, err)
	assert.Equal(t, cp, tea.StringValue(again.Body.SnapshotId), "ClientToken makes a retried copy return the first one")

	assert.Nil(t, describeSnapshot(t, hz, "cn-hangzhou", cp), "the copy lives in the destination region")
	s := describeSnapshot(t, bj, "cn-beijing", cp)
	require.NotNil(t, s)
	assert.Equal(t, "progressing", tea.StringValue(s.Status))
	assert.Equal(t, "cn-beijing", tea.StringValue(s.RegionId))
	assert.Equal(t, src, tea.StringValue(s.SourceSnapshotId))
	assert.Equal(t, "cn-hangzhou", tea.StringValue(s.SourceRegionId))
	assert.Equal(t, disk.ID, tea.StringValue(s.SourceDiskId))
	assert.Equal(t, "64", tea.StringValue(s.SourceDiskSize))
	assert.Equal(t, "dr-copy", tea.StringValue(s.SnapshotName))
	assert.Equal(t, int32(7), tea.Int32Value(s.RetentionDays))
	assert.True(t, tea.BoolValue(s.Encrypted))
	assert.Equal(t, "key-bj", tea.StringValue(s.KMSKeyId))
	require.Len(t, s.Tags.Tag, 1)
	assert.Equal(t, "dr", tea.StringValue(s.Tags.Tag[0].TagKey))

	advance(t, srv, time.Hour)
	assert.Equal(t, "accomplished", tea.StringValue(describeSnapshot(t, bj, "cn-beijing", cp).Status))
	restored, err := bj.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-beijing"), ZoneId: tea.String("cn-beijing-i"),
		DiskCategory: tea.String("cloud_essd"), SnapshotId: tea.String(cp)})
	require.NoError(t, err, "the copy restores in its region")
	assert.True(t, tea.BoolValue(describeDisk(t, bj, "cn-beijing", tea.StringValue(restored.Body.DiskId)).Encrypted))

	refusals := []struct {
		name   string
		mutate func(*ecssdk.CopySnapshotRequest)
		status int
		code   string
	}{
		{"unknown destination", func(r *ecssdk.CopySnapshotRequest) { r.DestinationRegionId = tea.String("eu-nowhere-1") }, 404, "InvalidRegionId.NotFound"},
		{"same region", func(r *ecssdk.CopySnapshotRequest) { r.DestinationRegionId = tea.String("cn-hangzhou") }, 403, "InvalidOperation.NotSupportCopyInSameRegion"},
		{"source in another region", func(r *ecssdk.CopySnapshotRequest) { r.RegionId = tea.String("cn-shanghai") }, 404, "InvalidSnapshotId.NotFound"},
		{"unknown source", func(r *ecssdk.CopySnapshotRequest) { r.SnapshotId = tea.String("s-gone") }, 404, "InvalidSnapshotId.NotFound"},
		{"no destination", func(r *ecssdk.CopySnapshotRequest) { r.DestinationRegionId = nil }, 400, "MissingParameter"},
		{"bad retention", func(r *ecssdk.CopySnapshotRequest) { r.RetentionDays = tea.Int32(-1) }, 400, "InvalidParameter"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			req := copyReq()
			req.ClientToken = tea.String("refused-" + strings.ReplaceAll(tt.name, " ", "-"))
			tt.mutate(req)
			_, err := hz.CopySnapshot(req)
			requireCode(t, err, tt.status, tt.code)
		})
	}
}
