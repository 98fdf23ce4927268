package volumesnapshotter

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// copyToRegion copies a snapshot into the location's region and waits for the copy. A copy made for a
// restore that fails here is deleted.
func (s *Snapshotter) copyToRegion(ctx context.Context, r restore, snap *ecs.Snapshot) (*ecs.Snapshot, error) {
	src := snapshotRef{Region: snap.Region, ID: snap.ID}
	accomplished := func(x *ecs.Snapshot) bool { return x.Status == ecs.SnapshotAccomplished }
	// ECS copies only accomplished snapshots.
	if !accomplished(snap) {
		var err error
		if snap, err = s.waitSnapshot(ctx, r.until, src, accomplished); err != nil {
			return nil, fmt.Errorf("ECS snapshot cross region request failed: wait for snapshot %s: %w", src, err)
		}
	}
	opts := ecs.CopySnapshotOptions{
		SourceRegion: src.Region, SnapshotID: src.ID, DestinationRegion: s.cfg.Region,
		Name: "velero-copy-" + src.ID, RetentionDays: copyRetentionDays(s.cfg.RestoreTimeout),
		Tags:        map[string]string{restoredFromTagKey: src.String(), restoreIDTagKey: r.id},
		ClientToken: r.id + "-copy",
	}
	if snap.Encrypted {
		// The source region's key does not exist here: re-encrypt with the location's key, or with
		// the region's default key when none is set.
		opts.Encrypted, opts.KMSKeyID = true, s.cfg.KMSKeyID
	}
	id, err := s.client.CopySnapshot(ctx, opts)
	if err != nil {
		err = fmt.Errorf("ECS snapshot cross region request failed: copy snapshot %s to %s: %w", src, s.cfg.Region, err)
		if errors.Is(err, cloud.ErrUnavailable) {
			// The answer was lost: ECS may have started the copy all the same.
			return nil, leftBehind(err, s.discardLostCopies(r))
		}
		return nil, err
	}
	copyRef := snapshotRef{Region: s.cfg.Region, ID: id}
	r.log.WithField("copy", copyRef.String()).Info("copying snapshot into the restore's region")
	copied, err := s.waitSnapshot(ctx, r.until, copyRef, accomplished)
	if err != nil {
		err = fmt.Errorf("ECS snapshot cross region request failed: wait for copy %s: %w", copyRef, err)
		return nil, leftBehind(err, s.discardCopy(r.log, id))
	}
	return copied, nil
}

// copyRetentionDays is how long ECS keeps a snapshot copy that nothing deleted: the restore deletes its
// copy itself, so this only matters when the plugin dies mid-restore or ECS refuses the deletion. The
// copy must outlive the restore that uses it (restoreTimeout, at most a day), so: the timeout rounded
// up to whole days, which ECS counts in, plus a day of margin. It never follows the source snapshot's
// retention, which may be "none": a copy must never stay forever.
func copyRetentionDays(restoreTimeout time.Duration) int {
	return int(math.Ceil(restoreTimeout.Hours()/24)) + 1
}
