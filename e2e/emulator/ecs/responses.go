package ecs

import (
	"strconv"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

// The response bodies, with the JSON keys and types of the ecs-20140526 SDK models: lists wrapped in an
// object named after their element ({"Disks":{"Disk":[...]}}), numbers where the model has *int32 or
// *int64, strings where it has *string (SourceDiskSize "40", Progress "100%").

type requestOnly struct {
	RequestID string `json:"RequestId"`
}

type idResponse struct {
	RequestID       string `json:"RequestId"`
	DiskID          string `json:"DiskId,omitempty"`
	SnapshotID      string `json:"SnapshotId,omitempty"`
	SnapshotGroupID string `json:"SnapshotGroupId,omitempty"`
}

// pageInfo carries PageNumber/PageSize paging or MaxResults/NextToken paging, whichever the request used.
type pageInfo = rpc.PageInfo

type tagOut struct {
	TagKey   string `json:"TagKey"`
	TagValue string `json:"TagValue"`
}

type tagsOut struct {
	Tag []tagOut `json:"Tag"`
}

func tagsJSON(tags []Tag) tagsOut {
	out := tagsOut{Tag: []tagOut{}}
	for _, t := range tags {
		out.Tag = append(out.Tag, tagOut{TagKey: t.Key, TagValue: t.Value})
	}
	return out
}

// keyValue is the tag shape of DescribeSnapshotGroups, which says Key/Value where the others say
// TagKey/TagValue.
type keyValue struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func keyValueJSON(tags []Tag) map[string][]keyValue {
	out := []keyValue{}
	for _, t := range tags {
		out = append(out, keyValue{Key: t.Key, Value: t.Value})
	}
	return map[string][]keyValue{"Tag": out}
}

type diskOut struct {
	DiskID             string  `json:"DiskId"`
	DiskName           string  `json:"DiskName"`
	Description        string  `json:"Description"`
	RegionID           string  `json:"RegionId"`
	ZoneID             string  `json:"ZoneId"`
	Category           string  `json:"Category"`
	PerformanceLevel   string  `json:"PerformanceLevel,omitempty"`
	Size               int32   `json:"Size"`
	ProvisionedIops    *int64  `json:"ProvisionedIops,omitempty"`
	BurstingEnabled    *bool   `json:"BurstingEnabled,omitempty"`
	Encrypted          bool    `json:"Encrypted"`
	KMSKeyID           string  `json:"KMSKeyId"`
	Status             string  `json:"Status"`
	Type               string  `json:"Type"`
	InstanceID         string  `json:"InstanceId"`
	Device             string  `json:"Device"`
	SourceSnapshotID   string  `json:"SourceSnapshotId"`
	Portable           bool    `json:"Portable"`
	DiskChargeType     string  `json:"DiskChargeType"`
	DeleteAutoSnapshot bool    `json:"DeleteAutoSnapshot"`
	MultiAttach        string  `json:"MultiAttach"`
	CreationTime       string  `json:"CreationTime"`
	Tags               tagsOut `json:"Tags"`
}

func diskJSON(d *Disk, now time.Time) diskOut {
	out := diskOut{DiskID: d.ID, DiskName: d.Name, Description: d.Description, RegionID: d.Region, ZoneID: d.Zone,
		Category: d.Category, PerformanceLevel: d.PerformanceLevel, Size: d.SizeGiB, Encrypted: d.Encrypted, KMSKeyID: d.KMSKeyID,
		Status: d.status(now), Type: "data", SourceSnapshotID: d.SourceSnapshotID, Portable: true, DiskChargeType: "PostPaid",
		DeleteAutoSnapshot: true, MultiAttach: "Disabled", CreationTime: formatTime(d.Created), Tags: tagsJSON(d.Tags)}
	if out.Status == DiskInUse {
		out.InstanceID, out.Device = d.InstanceID, "/dev/xvdb"
	}
	if d.Category == CategoryAuto {
		iops, bursting := d.ProvisionedIops, d.BurstingEnabled
		out.ProvisionedIops, out.BurstingEnabled = &iops, &bursting
	}
	return out
}

type snapshotOut struct {
	SnapshotID                 string  `json:"SnapshotId"`
	SnapshotName               string  `json:"SnapshotName"`
	Description                string  `json:"Description"`
	RegionID                   string  `json:"RegionId"`
	Status                     string  `json:"Status"`
	Progress                   string  `json:"Progress"`
	RemainTime                 int32   `json:"RemainTime"`
	Available                  bool    `json:"Available"`
	SourceDiskID               string  `json:"SourceDiskId"`
	SourceDiskSize             string  `json:"SourceDiskSize"`
	SourceDiskType             string  `json:"SourceDiskType"`
	SourceStorageType          string  `json:"SourceStorageType"`
	SourceRegionID             string  `json:"SourceRegionId,omitempty"`
	SourceSnapshotID           string  `json:"SourceSnapshotId,omitempty"`
	Category                   string  `json:"Category"`
	SnapshotType               string  `json:"SnapshotType"`
	Usage                      string  `json:"Usage"`
	InstantAccess              bool    `json:"InstantAccess"`
	InstantAccessRetentionDays *int32  `json:"InstantAccessRetentionDays,omitempty"`
	RetentionDays              *int32  `json:"RetentionDays,omitempty"`
	Encrypted                  bool    `json:"Encrypted"`
	KMSKeyID                   string  `json:"KMSKeyId"`
	CreationTime               string  `json:"CreationTime"`
	LastModifiedTime           string  `json:"LastModifiedTime"`
	Tags                       tagsOut `json:"Tags"`
}

// sourceDiskType is what ECS reports as SourceDiskType: the disk's role (system or data), not its
// category. Every emulated disk is a data disk.
const sourceDiskType = "data"

func (s *Service) snapshotJSON(snap *Snapshot, now time.Time) snapshotOut {
	usage := "none"
	if len(s.st.disksFrom(snap.ID)) > 0 {
		usage = "disk"
	}
	out := snapshotOut{SnapshotID: snap.ID, SnapshotName: snap.Name, Description: snap.Description, RegionID: snap.Region,
		Status: snap.status(now), Progress: strconv.Itoa(snap.progress(now)) + "%", RemainTime: snap.remainSeconds(now),
		Available: snap.available(now), SourceDiskID: snap.SourceDiskID, SourceDiskSize: strconv.Itoa(int(snap.SourceDiskSizeGiB)),
		SourceDiskType: sourceDiskType, SourceStorageType: "disk", SourceRegionID: snap.SourceRegion,
		SourceSnapshotID: snap.SourceSnapshotID, Category: "standard", SnapshotType: "user", Usage: usage,
		InstantAccess: snap.InstantAccess, Encrypted: snap.Encrypted, KMSKeyID: snap.KMSKeyID,
		CreationTime: formatTime(snap.Created), LastModifiedTime: formatTime(snap.Created), Tags: tagsJSON(snap.Tags)}
	if snap.InstantAccessRetentionDays > 0 {
		days := snap.InstantAccessRetentionDays
		out.InstantAccessRetentionDays = &days
	}
	if snap.RetentionDays > 0 {
		days := snap.RetentionDays
		out.RetentionDays = &days
	}
	return out
}
