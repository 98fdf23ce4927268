package volumesnapshotter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

const (
	// maxTags is how many tags ECS allows on a snapshot or disk.
	maxTags = 20
	// sourceDiskTagKey names the disk a snapshot was taken of; restoredFromTagKey marks a restored disk.
	sourceDiskTagKey   = "csdr.io/source-disk"
	restoredFromTagKey = "csdr.io/restored-from"
	veleroBackupTagKey = "velero.io/backup"
	veleroPVTagKey     = "velero.io/pv"
)

// instantAccessCategories are the disk categories whose snapshots can be used at once.
var instantAccessCategories = map[string]bool{"cloud_essd": true, "cloud_auto": true, "cloud_essd_entry": true}

// CreateSnapshot starts a snapshot of the disk and returns "REGION/s-ID" without waiting for it to
// finish. A repeated call for the same backup and disk returns the same snapshot (ClientToken).
func (s *Snapshotter) CreateSnapshot(volumeID, _ string, tags map[string]string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	disk, err := s.disk(ctx, volumeID)
	if err != nil {
		return "", fmt.Errorf("create snapshot of disk %s: %w", volumeID, err)
	}
	source, err := s.sourceTag(ctx)
	if err != nil {
		return "", fmt.Errorf("create snapshot of disk %s: %w", volumeID, err)
	}
	backup := tags[veleroBackupTagKey]
	opts := ecs.SnapshotOptions{
		Region: s.cfg.Region, DiskID: disk.ID,
		Name:          snapshotName(backup, tags[veleroPVTagKey]),
		Description:   fmt.Sprintf("Velero backup %s of PV %s (disk %s)", backup, tags[veleroPVTagKey], disk.ID),
		InstantAccess: s.cfg.InstantAccess && instantAccessCategories[disk.Category],
		RetentionDays: s.retentionDays(ctx, backup),
		Tags:          snapshotTags(tags, source, disk),
		ClientToken:   clientToken("snapshot", backup, disk.ID),
	}
	id, err := s.client.CreateSnapshot(ctx, opts)
	if err != nil {
		return "", fmt.Errorf("create snapshot of disk %s: %w", volumeID, err)
	}
	ref := snapshotRef{Region: s.cfg.Region, ID: id}
	s.log.WithFields(logrus.Fields{"disk": disk.ID, "snapshot": ref.String(), "category": disk.Category,
		"performanceLevel": disk.PerformanceLevel, "instantAccess": opts.InstantAccess, "retentionDays": opts.RetentionDays}).
		Info("disk snapshot started")
	return ref.String(), nil
}

// retentionDays is how long ECS keeps the snapshot by itself: past the backup's expiry, so Velero
// deletes it first while the cluster lives, and ECS does when the cluster is gone.
func (s *Snapshotter) retentionDays(ctx context.Context, backup string) int {
	switch {
	case s.cfg.RetentionNone:
		return 0
	case s.cfg.RetentionDays > 0:
		return s.cfg.RetentionDays
	case s.deps.Backups == nil || backup == "":
		return s.cfg.DefaultRetentionDays
	}
	expires, err := s.deps.Backups.Expiration(ctx, backup)
	if err != nil {
		// A warning, not an error: an error-level log would make the backup PartiallyFailed.
		s.log.WithError(err).WithField("backup", backup).
			Warnf("cannot read the backup's expiry; the snapshot expires after %d days", s.cfg.DefaultRetentionDays)
		return s.cfg.DefaultRetentionDays
	}
	return daysUntil(expires, s.deps.Clock.Now())
}

// daysUntil rounds up and adds a day: ECS counts whole days, and Velero's garbage collection runs
// hourly, so the snapshot must outlive the backup a little.
func daysUntil(t, now time.Time) int {
	days := int(math.Ceil(t.Sub(now).Hours()/24)) + 1
	return min(max(days, 1), 65536)
}

// snapshotTags keeps Velero's tags and adds what a restore and a delete need, within ECS's 20 tags:
// Velero's backup and PV tags, the source disk and its spec and the source cluster (source, a tag of
// its own) first, then the backup's labels and the disk's own tags while room is left.
func snapshotTags(velero, source map[string]string, disk *ecs.Disk) map[string]string {
	out := map[string]string{sourceDiskTagKey: disk.ID, specTagKey: specOf(disk).tag()}
	maps.Copy(out, source)
	for _, k := range []string{veleroBackupTagKey, veleroPVTagKey} {
		if v, ok := velero[k]; ok {
			out[k] = v
		}
	}
	for _, from := range []map[string]string{velero, disk.Tags} {
		for _, k := range slices.Sorted(maps.Keys(from)) {
			if len(out) >= maxTags {
				return out
			}
			if _, taken := out[k]; !taken && !reservedTagKey(k) {
				out[k] = from[k]
			}
		}
	}
	return out
}

// reservedTagKey: ECS refuses tag keys starting with aliyun or acs:.
func reservedTagKey(k string) bool {
	return strings.HasPrefix(k, "aliyun") || strings.HasPrefix(k, "acs:")
}

func snapshotName(backup, pv string) string {
	// ECS snapshot names: 2-128 characters, starting with a letter, not with http(s)://.
	name := "velero-" + backup + "-" + pv
	if len(name) > 128 {
		name = name[:128]
	}
	return name
}

// clientToken is a stable idempotency token (ECS allows 64 ASCII characters).
func clientToken(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "csdr-" + hex.EncodeToString(sum[:])[:40]
}
