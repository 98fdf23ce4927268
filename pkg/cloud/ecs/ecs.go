// Package ecs is the ECS boundary: the disk and snapshot operations the VolumeSnapshotter needs, in
// domain terms, on top of github.com/alibabacloud-go/ecs-20140526/v4. No SDK type crosses this
// package's API; errors are *cloud.Error, classified once here.
package ecs

import (
	"context"
	"time"
)

// Client is what the VolumeSnapshotter needs from ECS. Every method names its region: a restore may
// read a snapshot in one region and create a disk in another. Creations are idempotent whatever the
// caller passes: without a ClientToken, the client makes one for the call and its retries.
type Client interface {
	// DescribeDisk returns one disk; cloud.ErrNotFound if it does not exist.
	DescribeDisk(ctx context.Context, region, diskID string) (*Disk, error)
	// FindDisks lists the disks of a region that carry every one of tags (at most 100): how a caller
	// finds what a creation whose answer was lost made.
	FindDisks(ctx context.Context, region string, tags map[string]string) ([]*Disk, error)
	// CreateDisk creates a disk (from a snapshot when opts.SnapshotID is set) and returns its ID
	// without waiting for it to become Available.
	CreateDisk(ctx context.Context, opts DiskOptions) (string, error)
	// DeleteDisk deletes an Available disk; one that does not exist is success. ECS refuses a disk in
	// any other status (cloud.ErrInvalid): a Creating disk can be deleted once it is Available.
	DeleteDisk(ctx context.Context, region, diskID string) error
	// CreateSnapshot starts a snapshot of a disk and returns its ID without waiting for it.
	CreateSnapshot(ctx context.Context, opts SnapshotOptions) (string, error)
	// DescribeSnapshot returns one snapshot; cloud.ErrNotFound if it does not exist.
	DescribeSnapshot(ctx context.Context, region, snapshotID string) (*Snapshot, error)
	// FindSnapshots lists the snapshots of a region that carry every one of tags (at most 100).
	FindSnapshots(ctx context.Context, region string, tags map[string]string) ([]*Snapshot, error)
	// CopySnapshot starts a copy of an accomplished snapshot into another region and returns the
	// copy's ID there.
	CopySnapshot(ctx context.Context, opts CopySnapshotOptions) (string, error)
	// DeleteSnapshot deletes a snapshot, also one that disks were created from or one still in
	// progress (ECS cancels it); cloud.ErrNotFound if it is already gone.
	DeleteSnapshot(ctx context.Context, region, snapshotID string) error
	// DescribeZones lists the zones of a region with the disk categories each can create.
	DescribeZones(ctx context.Context, region string) ([]Zone, error)
}

// Disk status values.
const (
	DiskCreating  = "Creating"
	DiskAvailable = "Available"
	DiskInUse     = "In_use"
)

// Snapshot status values.
const (
	SnapshotProgressing  = "progressing"
	SnapshotAccomplished = "accomplished"
	SnapshotFailed       = "failed"
)

// Disk is a cloud disk.
type Disk struct {
	ID, Region, Zone string
	Category         string // cloud_essd, cloud_auto, cloud_efficiency, cloud_ssd, cloud_essd_entry, ...
	PerformanceLevel string // PL0..PL3 for cloud_essd, "" otherwise
	SizeGiB          int
	ProvisionedIOPS  int64 // cloud_auto only
	BurstingEnabled  bool  // cloud_auto only
	Encrypted        bool
	KMSKeyID         string
	Status           string
	Tags             map[string]string
}

// Snapshot is a disk snapshot.
type Snapshot struct {
	ID, Region, Status string
	Progress           int // percent
	// Available means a disk can be created from it now: accomplished, or instant access is ready.
	Available         bool
	InstantAccess     bool
	SourceDiskID      string
	SourceDiskSizeGiB int
	RetentionDays     int // 0 = kept until deleted
	Encrypted         bool
	KMSKeyID          string
	// SourceSnapshotID and SourceRegion are set on a copy made by CopySnapshot.
	SourceSnapshotID, SourceRegion string
	Created                        time.Time
	Tags                           map[string]string
}

// Zone is a zone of a region and the disk categories it can create.
type Zone struct {
	ID             string
	DiskCategories []string
}

// SnapshotOptions describe a new snapshot.
type SnapshotOptions struct {
	Region, DiskID    string
	Name, Description string
	// InstantAccess makes the snapshot usable for new disks within seconds (ESSD family).
	InstantAccess bool
	// RetentionDays makes ECS delete the snapshot after that many days; 0 keeps it until deleted.
	RetentionDays int
	Tags          map[string]string
	// ClientToken makes a repeated call return the first call's snapshot instead of making a second
	// one; "" gets a token that only the retries of this call share.
	ClientToken string
}

// CopySnapshotOptions describe a copy of a snapshot into another region.
type CopySnapshotOptions struct {
	SourceRegion, SnapshotID, DestinationRegion string
	Name                                        string
	RetentionDays                               int
	// Encrypted with KMSKeyID re-encrypts the copy with a key of the destination region.
	Encrypted   bool
	KMSKeyID    string
	Tags        map[string]string
	ClientToken string
}

// DiskOptions describe a new disk.
type DiskOptions struct {
	Region, Zone     string
	SnapshotID       string
	Name             string
	Category         string
	PerformanceLevel string
	SizeGiB          int
	ProvisionedIOPS  int64
	BurstingEnabled  bool
	Encrypted        bool
	KMSKeyID         string
	Tags             map[string]string
	ClientToken      string
}
