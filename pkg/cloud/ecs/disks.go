package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

func (c *client) DescribeDisk(ctx context.Context, region, diskID string) (*Disk, error) {
	ids, _ := json.Marshal([]string{diskID})
	var out *ecssdk.DescribeDisksResponse
	err := c.call(ctx, "DescribeDisks", region, diskID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.DescribeDisksWithOptions(&ecssdk.DescribeDisksRequest{
			RegionId: tea.String(region), DiskIds: tea.String(string(ids))}, rt)
		if err == nil && (out == nil || out.Body == nil || out.Body.Disks == nil) {
			// No list at all is no evidence that the disk is gone: deletion decisions rest on NotFound.
			return incomplete("DescribeDisks", diskID, acs.RequestID(out), "disk list")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// ECS answers an unknown disk ID with an empty list, not an error.
	if len(out.Body.Disks.Disk) == 0 {
		return nil, notFound("DescribeDisks", diskID, tea.StringValue(out.Body.RequestId), "disk "+diskID+" does not exist in region "+region)
	}
	return diskFrom(region, out.Body.Disks.Disk[0]), nil
}

func (c *client) FindDisks(ctx context.Context, region string, tags map[string]string) ([]*Disk, error) {
	if err := requireTags("DescribeDisks", tags); err != nil {
		return nil, err
	}
	req := &ecssdk.DescribeDisksRequest{RegionId: tea.String(region), PageSize: tea.Int32(maxFound)}
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		req.Tag = append(req.Tag, &ecssdk.DescribeDisksRequestTag{Key: tea.String(k), Value: tea.String(tags[k])})
	}
	var out *ecssdk.DescribeDisksResponse
	err := c.call(ctx, "DescribeDisks", region, "", func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.DescribeDisksWithOptions(req, rt)
		if err == nil && (out == nil || out.Body == nil || out.Body.Disks == nil) {
			return incomplete("DescribeDisks", region, acs.RequestID(out), "disk list")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	disks := make([]*Disk, 0, len(out.Body.Disks.Disk))
	for _, d := range out.Body.Disks.Disk {
		disks = append(disks, diskFrom(region, d))
	}
	return disks, nil
}

func (c *client) CreateDisk(ctx context.Context, o DiskOptions) (string, error) {
	req := &ecssdk.CreateDiskRequest{
		RegionId: tea.String(o.Region), ZoneId: tea.String(o.Zone), DiskCategory: optString(o.Category),
		SnapshotId: optString(o.SnapshotID), DiskName: optString(o.Name), PerformanceLevel: optString(o.PerformanceLevel),
		ClientToken: clientToken(o.ClientToken), KMSKeyId: optString(o.KMSKeyID),
	}
	if o.SizeGiB > 0 {
		req.Size = tea.Int32(int32(o.SizeGiB))
	}
	if o.ProvisionedIOPS > 0 {
		req.ProvisionedIops = tea.Int64(o.ProvisionedIOPS)
	}
	if o.BurstingEnabled {
		req.BurstingEnabled = tea.Bool(true)
	}
	if o.Encrypted {
		req.Encrypted = tea.Bool(true)
	}
	for _, k := range slices.Sorted(maps.Keys(o.Tags)) {
		req.Tag = append(req.Tag, &ecssdk.CreateDiskRequestTag{Key: tea.String(k), Value: tea.String(o.Tags[k])})
	}
	var id string
	err := c.call(ctx, "CreateDisk", o.Region, o.Zone, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) error {
		out, err := sdk.CreateDiskWithOptions(req, rt)
		if err != nil {
			return err
		}
		if out == nil || out.Body == nil || tea.StringValue(out.Body.DiskId) == "" {
			return incomplete("CreateDisk", o.Zone, acs.RequestID(out), "disk ID")
		}
		id = tea.StringValue(out.Body.DiskId)
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

func (c *client) DeleteDisk(ctx context.Context, region, diskID string) error {
	err := c.call(ctx, "DeleteDisk", region, diskID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) error {
		_, err := sdk.DeleteDiskWithOptions(&ecssdk.DeleteDiskRequest{DiskId: tea.String(diskID)}, rt)
		return err
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil // gone already, or deleted by an attempt whose answer was lost
	}
	return err
}

func (c *client) DescribeZones(ctx context.Context, region string) ([]Zone, error) {
	var out *ecssdk.DescribeZonesResponse
	err := c.call(ctx, "DescribeZones", region, region, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.DescribeZonesWithOptions(&ecssdk.DescribeZonesRequest{RegionId: tea.String(region)}, rt)
		if err == nil && (out == nil || out.Body == nil || out.Body.Zones == nil) {
			return incomplete("DescribeZones", region, acs.RequestID(out), "zone list")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	var zones []Zone
	for _, z := range out.Body.Zones.Zone {
		zone := Zone{ID: tea.StringValue(z.ZoneId)}
		if z.AvailableDiskCategories != nil {
			zone.DiskCategories = tea.StringSliceValue(z.AvailableDiskCategories.DiskCategories)
		}
		zones = append(zones, zone)
	}
	return zones, nil
}
