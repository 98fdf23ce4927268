package ecs

import (
	"strconv"
	"strings"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
)

func diskFrom(region string, d *ecssdk.DescribeDisksResponseBodyDisksDisk) *Disk {
	disk := &Disk{
		ID: tea.StringValue(d.DiskId), Region: region, Zone: tea.StringValue(d.ZoneId),
		Category: tea.StringValue(d.Category), PerformanceLevel: tea.StringValue(d.PerformanceLevel),
		SizeGiB: int(tea.Int32Value(d.Size)), ProvisionedIOPS: tea.Int64Value(d.ProvisionedIops),
		BurstingEnabled: tea.BoolValue(d.BurstingEnabled), Encrypted: tea.BoolValue(d.Encrypted),
		KMSKeyID: tea.StringValue(d.KMSKeyId), Status: tea.StringValue(d.Status), Tags: map[string]string{},
	}
	if r := tea.StringValue(d.RegionId); r != "" {
		disk.Region = r
	}
	if d.Tags != nil {
		for _, t := range d.Tags.Tag {
			disk.Tags[tea.StringValue(t.TagKey)] = tea.StringValue(t.TagValue)
		}
	}
	return disk
}

func snapshotFrom(region string, s *ecssdk.DescribeSnapshotsResponseBodySnapshotsSnapshot) *Snapshot {
	snap := &Snapshot{
		ID: tea.StringValue(s.SnapshotId), Region: region, Status: tea.StringValue(s.Status),
		Available: tea.BoolValue(s.Available), InstantAccess: tea.BoolValue(s.InstantAccess),
		SourceDiskID:  tea.StringValue(s.SourceDiskId),
		RetentionDays: int(tea.Int32Value(s.RetentionDays)), Encrypted: tea.BoolValue(s.Encrypted),
		KMSKeyID: tea.StringValue(s.KMSKeyId), SourceSnapshotID: tea.StringValue(s.SourceSnapshotId),
		SourceRegion: tea.StringValue(s.SourceRegionId), Tags: map[string]string{},
	}
	if r := tea.StringValue(s.RegionId); r != "" {
		snap.Region = r
	}
	// SourceDiskSize is a decimal string of GiB; Progress is "42%".
	snap.SourceDiskSizeGiB, _ = strconv.Atoi(tea.StringValue(s.SourceDiskSize))
	snap.Progress, _ = strconv.Atoi(strings.TrimSuffix(tea.StringValue(s.Progress), "%"))
	if t, err := time.Parse(time.RFC3339, tea.StringValue(s.CreationTime)); err == nil {
		snap.Created = t
	} else if t, err := time.Parse("2006-01-02T15:04Z", tea.StringValue(s.CreationTime)); err == nil {
		snap.Created = t
	}
	if snap.Status == SnapshotAccomplished {
		snap.Available = true
	}
	if s.Tags != nil {
		for _, t := range s.Tags.Tag {
			snap.Tags[tea.StringValue(t.TagKey)] = tea.StringValue(t.TagValue)
		}
	}
	return snap
}

// optString leaves a field out of the request rather than sending an empty value.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return tea.String(s)
}
