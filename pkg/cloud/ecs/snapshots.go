package ecs

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"
)

func (c *client) CreateSnapshot(ctx context.Context, o SnapshotOptions) (string, error) {
	req := &ecssdk.CreateSnapshotRequest{
		DiskId: tea.String(o.DiskID), SnapshotName: optString(o.Name), Description: optString(o.Description),
		ClientToken: clientToken(o.ClientToken),
	}
	if o.InstantAccess {
		req.InstantAccess = tea.Bool(true)
	}
	if o.RetentionDays > 0 {
		req.RetentionDays = tea.Int32(int32(o.RetentionDays))
	}
	for _, k := range slices.Sorted(maps.Keys(o.Tags)) {
		req.Tag = append(req.Tag, &ecssdk.CreateSnapshotRequestTag{Key: tea.String(k), Value: tea.String(o.Tags[k])})
	}
	var id string
	err := c.call(ctx, "CreateSnapshot", o.Region, o.DiskID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) error {
		out, err := sdk.CreateSnapshotWithOptions(req, rt)
		if err != nil {
			return err
		}
		if out == nil || out.Body == nil || tea.StringValue(out.Body.SnapshotId) == "" {
			return incomplete("CreateSnapshot", o.DiskID, acs.RequestID(out), "snapshot ID")
		}
		id = tea.StringValue(out.Body.SnapshotId)
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func (c *client) DescribeSnapshot(ctx context.Context, region, snapshotID string) (*Snapshot, error) {
	ids, _ := json.Marshal([]string{snapshotID})
	snaps, reqID, err := c.describeSnapshots(ctx, region, snapshotID, &ecssdk.DescribeSnapshotsRequest{
		RegionId: tea.String(region), SnapshotIds: tea.String(string(ids))})
	if err != nil {
		return nil, err
	}
	// ECS answers an unknown snapshot ID with an empty list, not an error.
	if len(snaps) == 0 {
		return nil, notFound("DescribeSnapshots", snapshotID, reqID, "snapshot "+snapshotID+" does not exist in region "+region)
	}
	return snaps[0], nil
}

func (c *client) FindSnapshots(ctx context.Context, region string, tags map[string]string) ([]*Snapshot, error) {
	if err := requireTags("DescribeSnapshots", tags); err != nil {
		return nil, err
	}
	req := &ecssdk.DescribeSnapshotsRequest{RegionId: tea.String(region), PageSize: tea.Int32(maxFound)}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		req.Tag = append(req.Tag, &ecssdk.DescribeSnapshotsRequestTag{Key: tea.String(k), Value: tea.String(tags[k])})
	}
	snaps, _, err := c.describeSnapshots(ctx, region, "", req)
	return snaps, err
}

// describeSnapshots runs one DescribeSnapshots request. An answer without a snapshot list is an error:
// it is no evidence that a snapshot is gone, and deletion decisions rest on NotFound.
func (c *client) describeSnapshots(ctx context.Context, region, resource string, req *ecssdk.DescribeSnapshotsRequest) ([]*Snapshot, string, error) {
	var out *ecssdk.DescribeSnapshotsResponse
	err := c.call(ctx, "DescribeSnapshots", region, resource, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.DescribeSnapshotsWithOptions(req, rt)
		if err == nil && (out == nil || out.Body == nil || out.Body.Snapshots == nil) {
			return incomplete("DescribeSnapshots", resource, acs.RequestID(out), "snapshot list")
		}
		return err
	})
	if err != nil {
		return nil, "", err
	}
	snaps := make([]*Snapshot, 0, len(out.Body.Snapshots.Snapshot))
	for _, s := range out.Body.Snapshots.Snapshot {
		snaps = append(snaps, snapshotFrom(region, s))
	}
	return snaps, tea.StringValue(out.Body.RequestId), nil
}

func (c *client) CopySnapshot(ctx context.Context, o CopySnapshotOptions) (string, error) {
	req := &ecssdk.CopySnapshotRequest{
		RegionId: tea.String(o.SourceRegion), SnapshotId: tea.String(o.SnapshotID),
		DestinationRegionId: tea.String(o.DestinationRegion), DestinationSnapshotName: optString(o.Name),
		ClientToken: clientToken(o.ClientToken), KMSKeyId: optString(o.KMSKeyID),
	}
	if o.RetentionDays > 0 {
		req.RetentionDays = tea.Int32(int32(o.RetentionDays))
	}
	if o.Encrypted {
		req.Encrypted = tea.Bool(true)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Tags)) {
		req.Tag = append(req.Tag, &ecssdk.CopySnapshotRequestTag{Key: tea.String(k), Value: tea.String(o.Tags[k])})
	}
	var id string
	err := c.call(ctx, "CopySnapshot", o.SourceRegion, o.SnapshotID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) error {
		out, err := sdk.CopySnapshotWithOptions(req, rt)
		if err != nil {
			return err
		}
		if out == nil || out.Body == nil || tea.StringValue(out.Body.SnapshotId) == "" {
			return incomplete("CopySnapshot", o.SnapshotID, acs.RequestID(out), "snapshot ID")
		}
		id = tea.StringValue(out.Body.SnapshotId)
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func (c *client) DeleteSnapshot(ctx context.Context, region, snapshotID string) error {
	return c.call(ctx, "DeleteSnapshot", region, snapshotID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) error {
		// Force: a backup's snapshot goes with the backup, also when disks were restored from it.
		_, err := sdk.DeleteSnapshotWithOptions(&ecssdk.DeleteSnapshotRequest{
			SnapshotId: tea.String(snapshotID), Force: tea.Bool(true)}, rt)
		return err
	})
}
