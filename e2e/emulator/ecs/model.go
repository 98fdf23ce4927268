package ecs

import (
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// Disk and snapshot states as ECS spells them.
const (
	DiskCreating  = "Creating"
	DiskAvailable = "Available"
	DiskInUse     = "In_use"

	SnapshotProgressing  = "progressing"
	SnapshotAccomplished = "accomplished"
)

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Disk is a stored cloud disk. Its status is derived from the clock: Creating until ReadyAt, then
// In_use when attached to an instance, else Available.
type Disk struct {
	ID               string    `json:"id"`
	Region           string    `json:"region"`
	Zone             string    `json:"zone"`
	Name             string    `json:"name,omitempty"`
	Description      string    `json:"description,omitempty"`
	Category         string    `json:"category"`
	PerformanceLevel string    `json:"performanceLevel,omitempty"`
	SizeGiB          int32     `json:"sizeGiB"`
	ProvisionedIops  int64     `json:"provisionedIops,omitempty"`
	BurstingEnabled  bool      `json:"burstingEnabled,omitempty"`
	Encrypted        bool      `json:"encrypted"`
	KMSKeyID         string    `json:"kmsKeyId,omitempty"`
	Tags             []Tag     `json:"tags,omitempty"`
	SourceSnapshotID string    `json:"sourceSnapshotId,omitempty"`
	InstanceID       string    `json:"instanceId,omitempty"`
	Created          time.Time `json:"created"`
	ReadyAt          time.Time `json:"readyAt"`
}

func (d *Disk) status(now time.Time) string {
	switch {
	case now.Before(d.ReadyAt):
		return DiskCreating
	case d.InstanceID != "":
		return DiskInUse
	default:
		return DiskAvailable
	}
}

// Snapshot is a stored snapshot. It is progressing until ReadyAt and usable from AvailableAt, which is
// its creation time for instant access and ReadyAt otherwise.
type Snapshot struct {
	ID                         string    `json:"id"`
	Region                     string    `json:"region"`
	Name                       string    `json:"name,omitempty"`
	Description                string    `json:"description,omitempty"`
	SourceDiskID               string    `json:"sourceDiskId"`
	SourceDiskSizeGiB          int32     `json:"sourceDiskSizeGiB"`
	SourceDiskCategory         string    `json:"sourceDiskCategory"`
	SourceRegion               string    `json:"sourceRegion,omitempty"`     // copies only
	SourceSnapshotID           string    `json:"sourceSnapshotId,omitempty"` // copies only
	GroupID                    string    `json:"groupId,omitempty"`
	Encrypted                  bool      `json:"encrypted"`
	KMSKeyID                   string    `json:"kmsKeyId,omitempty"`
	InstantAccess              bool      `json:"instantAccess,omitempty"`
	InstantAccessRetentionDays int32     `json:"instantAccessRetentionDays,omitempty"`
	RetentionDays              int32     `json:"retentionDays,omitempty"` // 0 = kept until deleted
	Tags                       []Tag     `json:"tags,omitempty"`
	Created                    time.Time `json:"created"`
	ReadyAt                    time.Time `json:"readyAt"`
	AvailableAt                time.Time `json:"availableAt"`
}

func (s *Snapshot) status(now time.Time) string {
	if now.Before(s.ReadyAt) {
		return SnapshotProgressing
	}
	return SnapshotAccomplished
}

func (s *Snapshot) available(now time.Time) bool { return !now.Before(s.AvailableAt) }

// progress is the percentage done; a progressing snapshot never shows 100.
func (s *Snapshot) progress(now time.Time) int {
	if !now.Before(s.ReadyAt) {
		return 100
	}
	total := s.ReadyAt.Sub(s.Created)
	if total <= 0 || now.Before(s.Created) {
		return 0
	}
	return min(int(100*now.Sub(s.Created)/total), 99)
}

// remainSeconds is what RemainTime reports: the seconds left until accomplished.
func (s *Snapshot) remainSeconds(now time.Time) int32 {
	if !now.Before(s.ReadyAt) {
		return 0
	}
	return int32((s.ReadyAt.Sub(now) + time.Second - 1) / time.Second)
}

// expiresAt is when RetentionDays releases the snapshot; ok is false for a snapshot kept until deleted.
func (s *Snapshot) expiresAt() (t time.Time, ok bool) {
	return svc.RetentionEnd(s.Created, int64(s.RetentionDays))
}

// SnapshotGroup is a snapshot-consistent group: the snapshots of several disks taken together.
type SnapshotGroup struct {
	ID          string    `json:"id"`
	Region      string    `json:"region"`
	Name        string    `json:"name,omitempty"`
	Description string    `json:"description,omitempty"`
	InstanceID  string    `json:"instanceId,omitempty"`
	SnapshotIDs []string  `json:"snapshotIds"`
	Tags        []Tag     `json:"tags,omitempty"`
	Created     time.Time `json:"created"`
}

// newID returns prefix plus 20 random lowercase alphanumerics, like "d-bp1c0doj0taqyzzl1234".
func newID(prefix string) string { return rpc.NewID(prefix, 20) }

// timeFormat is how ECS writes times: ISO 8601 in UTC, to the second.
const timeFormat = "2006-01-02T15:04:05Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func hasTags(have, want []Tag) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			if h.Key == w.Key && (w.Value == "" || h.Value == w.Value) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
