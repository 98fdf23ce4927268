package volumesnapshotter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// minDiskGiB is the smallest disk restores create: ECS's minimum for most categories, and what ACK's
// disk StorageClasses provision at least.
const minDiskGiB = 20

// legacyZoneTagKey is where the existing open-source plugin kept a snapshot's zone (sic).
const legacyZoneTagKey = "alibabacloud.velero-plugin/orginal-volume-az"

// restoreIDTagKey tags every disk and snapshot copy a restore makes with the restore's own ID: a
// creation whose answer was lost made something whose ID only this tag can find.
const restoreIDTagKey = "csdr.io/restore-id"

// CreateVolumeFromSnapshot creates a disk from the snapshot in the location's region, copying the
// snapshot there first when it lives in another region, in a zone chosen deliberately, with the
// source disk's category, performance level and encryption, at least 20 GiB, and waits until the
// disk is Available. Whatever it made for a restore that fails goes before the error returns; what
// cannot go is named in the error.
func (s *Snapshotter) CreateVolumeFromSnapshot(snapshotID, volumeType, volumeAZ string, iops *int64) (string, error) {
	ref, err := parseSnapshotRef(snapshotID, s.cfg.Region)
	if err != nil {
		return "", err
	}
	// Waits end on the snapshotter's clock; the context bounds the calls in real time as well.
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RestoreTimeout)
	defer cancel()
	r := restore{ref: ref, id: randomToken(), until: s.deps.Clock.Now().Add(s.cfg.RestoreTimeout)}
	r.log = s.log.WithFields(logrus.Fields{"snapshot": ref.String(), "region": s.cfg.Region, "restore": r.id})

	snap, err := s.client.DescribeSnapshot(ctx, ref.Region, ref.ID)
	if err != nil {
		return "", fmt.Errorf("restore from snapshot %s: %w", ref, err)
	}
	spec := specFromSnapshot(snap)
	if err := spec.applyVolumeType(volumeType); err != nil {
		return "", fmt.Errorf("restore from snapshot %s: %w", ref, err)
	}
	if spec.Category == "" {
		return "", fmt.Errorf("restore from snapshot %s: the disk category is unknown: neither the backup's volume type nor the snapshot's %s tag names it", ref, specTagKey)
	}
	if iops != nil && spec.Category == "cloud_auto" {
		spec.ProvisionedIOPS = *iops
	}

	// Choose the zone first: a restore that cannot succeed fails before copying anything.
	zone, err := s.chooseZone(ctx, spec.Category, zoneCandidates(volumeAZ, spec.Zone, s.cfg.Zone))
	if err != nil {
		return "", fmt.Errorf("restore from snapshot %s: %w", ref, err)
	}
	usable := snap
	var copied *ecs.Snapshot
	if ref.Region != s.cfg.Region {
		if copied, err = s.copyToRegion(ctx, r, snap); err != nil {
			return "", err
		}
		usable = copied
	}
	disk, err := s.restoreDisk(ctx, r, snap, usable, spec, zone)
	if copied != nil {
		// The copy only served this restore: it goes whether the disk was made or not.
		cerr := s.discardCopy(r.log, copied.ID)
		if err != nil {
			return "", leftBehind(err, cerr)
		}
		if cerr != nil {
			r.log.WithError(cerr).Warnf("the restore succeeded, but its snapshot copy stays until ECS deletes it after %d days",
				copyRetentionDays(s.cfg.RestoreTimeout))
		}
	}
	if err != nil {
		return "", err
	}
	s.remember(disk)
	r.log.WithFields(logrus.Fields{"disk": disk.ID, "zone": disk.Zone, "category": disk.Category,
		"performanceLevel": disk.PerformanceLevel, "sizeGiB": disk.SizeGiB}).Info("disk restored from snapshot")
	return disk.ID, nil
}

// restore is what one CreateVolumeFromSnapshot call carries through its steps.
type restore struct {
	ref   snapshotRef
	id    string    // tags what the restore makes and seeds its ClientTokens
	until time.Time // on the snapshotter's clock
	log   logrus.FieldLogger
}

// restoreDisk creates the disk from usable, a snapshot in the location's region, and waits until it is
// Available. A disk it made for a restore that fails is deleted.
func (s *Snapshotter) restoreDisk(ctx context.Context, r restore, snap, usable *ecs.Snapshot, spec diskSpec, zone string) (*ecs.Disk, error) {
	usable, err := s.waitSnapshotUsable(ctx, r.until, usable)
	if err != nil {
		return nil, fmt.Errorf("restore from snapshot %s: %w", r.ref, err)
	}
	opts := ecs.DiskOptions{
		Region: s.cfg.Region, Zone: zone, SnapshotID: usable.ID, Name: "velero-restore-" + r.ref.ID,
		Category: spec.Category, PerformanceLevel: spec.PerformanceLevel,
		SizeGiB:         max(spec.SizeGiB, snap.SourceDiskSizeGiB, minDiskGiB),
		ProvisionedIOPS: spec.ProvisionedIOPS, BurstingEnabled: spec.Bursting,
		Encrypted: snap.Encrypted, KMSKeyID: s.diskKey(snap, r.ref.Region),
		Tags:        restoredDiskTags(snap, r),
		ClientToken: r.id + "-disk", // retries of the request reuse it
	}
	diskID, err := s.client.CreateDisk(ctx, opts)
	if err != nil {
		err = fmt.Errorf("create disk from snapshot %s in zone %s: %w", r.ref, zone, err)
		if errors.Is(err, cloud.ErrUnavailable) {
			// The answer was lost: ECS may have made the disk all the same.
			return nil, leftBehind(err, s.discardLostDisks(r))
		}
		return nil, err
	}
	disk, err := s.waitDiskAvailable(ctx, r.until, diskID)
	if err != nil {
		return nil, leftBehind(fmt.Errorf("restore from snapshot %s: %w", r.ref, err), s.discardDisk(r.log, diskID))
	}
	return disk, nil
}

// specFromSnapshot is the source disk as the snapshot remembers it. Snapshots of the existing plugin
// have no spec tag: their category comes from the volume type Velero kept, their zone from its tag.
func specFromSnapshot(snap *ecs.Snapshot) diskSpec {
	spec := parseSpecTag(snap.Tags[specTagKey])
	if spec.Zone == "" {
		spec.Zone = snap.Tags[legacyZoneTagKey]
	}
	return spec
}

// diskKey is the KMS key of the new disk: the snapshot's own key in its region, else the location's.
func (s *Snapshotter) diskKey(snap *ecs.Snapshot, snapRegion string) string {
	if !snap.Encrypted {
		return ""
	}
	if snapRegion == s.cfg.Region && s.cfg.KMSKeyID == "" {
		return snap.KMSKeyID
	}
	return s.cfg.KMSKeyID
}

// restoredDiskTags mark the disk as made by a restore and carry the source disk's own tags.
func restoredDiskTags(snap *ecs.Snapshot, r restore) map[string]string {
	out := map[string]string{restoredFromTagKey: r.ref.String(), restoreIDTagKey: r.id}
	for _, k := range slices.Sorted(maps.Keys(snap.Tags)) {
		if len(out) >= maxTags {
			break
		}
		if !bookkeepingTag(k) {
			out[k] = snap.Tags[k]
		}
	}
	return out
}

// bookkeepingTag: tags about the backup, not the user's own tags of the disk.
func bookkeepingTag(k string) bool {
	return k == specTagKey || k == sourceDiskTagKey || k == restoredFromTagKey || k == restoreIDTagKey || k == legacyZoneTagKey ||
		strings.HasPrefix(k, "velero.io/") || reservedTagKey(k)
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "csdr-" + hex.EncodeToString(b)
}
