package volumesnapshotter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// minDiskGiB is the smallest disk restores create: ECS's minimum for most categories, and what ACK's
// disk StorageClasses provision at least.
const minDiskGiB = 20

// legacyZoneTagKey is where the existing open-source plugin kept a snapshot's zone (sic).
const legacyZoneTagKey = "alibabacloud.velero-plugin/orginal-volume-az"

// CreateVolumeFromSnapshot creates a disk from the snapshot in the location's region, copying the
// snapshot there first when it lives in another region, in a zone chosen deliberately, with the
// source disk's category, performance level and encryption, at least 20 GiB, and waits until the
// disk is Available.
func (s *Snapshotter) CreateVolumeFromSnapshot(snapshotID, volumeType, volumeAZ string, iops *int64) (string, error) {
	ref, err := parseSnapshotRef(snapshotID, s.cfg.Region)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RestoreTimeout)
	defer cancel()
	log := s.log.WithFields(logrus.Fields{"snapshot": ref.String(), "region": s.cfg.Region})

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
	if ref.Region != s.cfg.Region {
		if usable, err = s.copyToRegion(ctx, log, snap); err != nil {
			return "", err
		}
		// The copy only serves this restore: once the disk exists, it goes (see below).
		defer s.deleteCopy(log, usable)
	}
	if usable, err = s.waitSnapshotUsable(ctx, usable); err != nil {
		return "", fmt.Errorf("restore from snapshot %s: %w", ref, err)
	}

	opts := ecs.DiskOptions{
		Region: s.cfg.Region, Zone: zone, SnapshotID: usable.ID, Name: "velero-restore-" + ref.ID,
		Category: spec.Category, PerformanceLevel: spec.PerformanceLevel,
		SizeGiB:         max(spec.SizeGiB, snap.SourceDiskSizeGiB, minDiskGiB),
		ProvisionedIOPS: spec.ProvisionedIOPS, BurstingEnabled: spec.Bursting,
		Encrypted: snap.Encrypted, KMSKeyID: s.diskKey(snap, ref.Region),
		Tags:        restoredDiskTags(snap, ref),
		ClientToken: randomToken(), // one per restore of this volume; retries of the request reuse it
	}
	diskID, err := s.client.CreateDisk(ctx, opts)
	if err != nil {
		return "", fmt.Errorf("create disk from snapshot %s in zone %s: %w", ref, zone, err)
	}
	disk, err := s.waitDiskAvailable(ctx, diskID)
	if err != nil {
		return "", fmt.Errorf("restore from snapshot %s: %w", ref, err)
	}
	s.remember(disk)
	log.WithFields(logrus.Fields{"disk": disk.ID, "zone": disk.Zone, "category": disk.Category,
		"performanceLevel": disk.PerformanceLevel, "sizeGiB": disk.SizeGiB}).Info("disk restored from snapshot")
	return disk.ID, nil
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

// copyToRegion copies a snapshot into the location's region and waits for the copy.
func (s *Snapshotter) copyToRegion(ctx context.Context, log logrus.FieldLogger, snap *ecs.Snapshot) (*ecs.Snapshot, error) {
	src := snapshotRef{Region: snap.Region, ID: snap.ID}
	accomplished := func(x *ecs.Snapshot) bool { return x.Status == ecs.SnapshotAccomplished }
	// ECS copies only accomplished snapshots.
	if !accomplished(snap) {
		var err error
		if snap, err = s.waitSnapshot(ctx, src, accomplished); err != nil {
			return nil, fmt.Errorf("ECS snapshot cross region request failed: wait for snapshot %s: %w", src, err)
		}
	}
	opts := ecs.CopySnapshotOptions{
		SourceRegion: src.Region, SnapshotID: src.ID, DestinationRegion: s.cfg.Region,
		Name: "velero-copy-" + src.ID, RetentionDays: snap.RetentionDays,
		Tags:        map[string]string{restoredFromTagKey: src.String()},
		ClientToken: randomToken(),
	}
	if snap.Encrypted {
		// The source region's key does not exist here: re-encrypt with the location's key, or with
		// the region's default key when none is set.
		opts.Encrypted, opts.KMSKeyID = true, s.cfg.KMSKeyID
	}
	id, err := s.client.CopySnapshot(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("ECS snapshot cross region request failed: copy snapshot %s to %s: %w", src, s.cfg.Region, err)
	}
	copyRef := snapshotRef{Region: s.cfg.Region, ID: id}
	log.WithField("copy", copyRef.String()).Info("copying snapshot into the restore's region")
	copied, err := s.waitSnapshot(ctx, copyRef, accomplished)
	if err != nil {
		return nil, fmt.Errorf("ECS snapshot cross region request failed: wait for copy %s: %w", copyRef, err)
	}
	return copied, nil
}

func (s *Snapshotter) deleteCopy(log logrus.FieldLogger, copied *ecs.Snapshot) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if err := s.client.DeleteSnapshot(ctx, copied.Region, copied.ID); err != nil && !errors.Is(err, cloud.ErrNotFound) {
		log.WithError(err).WithField("copy", copied.ID).Warn("could not delete the snapshot copy; ECS deletes it when its retention ends")
	}
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
func restoredDiskTags(snap *ecs.Snapshot, ref snapshotRef) map[string]string {
	out := map[string]string{restoredFromTagKey: ref.String()}
	for _, k := range sortedKeys(snap.Tags) {
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
	return k == specTagKey || k == sourceDiskTagKey || k == restoredFromTagKey || k == legacyZoneTagKey ||
		strings.HasPrefix(k, "velero.io/") || reservedTagKey(k)
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "csdr-" + hex.EncodeToString(b)
}
