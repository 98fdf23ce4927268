package volumesnapshotter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// Polling of snapshots and disks that are still being made: often at first (instant access and small
// disks are ready in seconds), then every 10 s.
const (
	pollFirst = time.Second
	pollMax   = 10 * time.Second
)

// poll calls check until it reports done, check fails, ctx ends or the clock reaches until.
func (s *Snapshotter) poll(ctx context.Context, until time.Time, check func() (done bool, err error)) error {
	for delay := pollFirst; ; delay = min(delay*2, pollMax) {
		done, err := check()
		if err != nil || done {
			return err
		}
		left := until.Sub(s.deps.Clock.Now())
		if left <= 0 {
			return context.DeadlineExceeded
		}
		timer := s.deps.Clock.NewTimer(min(delay, left))
		select {
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		case <-timer.C():
		}
	}
}

// waitSnapshot waits until ready(snapshot) holds; a failed snapshot ends the wait with an error.
func (s *Snapshotter) waitSnapshot(ctx context.Context, until time.Time, ref snapshotRef, ready func(*ecs.Snapshot) bool) (*ecs.Snapshot, error) {
	var snap *ecs.Snapshot
	err := s.poll(ctx, until, func() (bool, error) {
		var err error
		if snap, err = s.client.DescribeSnapshot(ctx, ref.Region, ref.ID); err != nil {
			return false, err
		}
		if snap.Status == ecs.SnapshotFailed {
			return false, fmt.Errorf("snapshot %s failed", ref)
		}
		return ready(snap), nil
	})
	if err != nil && snap != nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("snapshot %s still %s (%d%%) after %s (the location's restoreTimeout): %w", ref, snap.Status, snap.Progress, s.cfg.RestoreTimeout, err)
	}
	return snap, err
}

// waitSnapshotUsable waits until a disk can be made from the snapshot: at once with instant access,
// else when it is accomplished.
func (s *Snapshotter) waitSnapshotUsable(ctx context.Context, until time.Time, snap *ecs.Snapshot) (*ecs.Snapshot, error) {
	if snap.Available {
		return snap, nil
	}
	return s.waitSnapshot(ctx, until, snapshotRef{Region: snap.Region, ID: snap.ID}, func(x *ecs.Snapshot) bool { return x.Available })
}

func (s *Snapshotter) waitDiskAvailable(ctx context.Context, until time.Time, diskID string) (*ecs.Disk, error) {
	var disk *ecs.Disk
	err := s.poll(ctx, until, func() (bool, error) {
		var err error
		if disk, err = s.client.DescribeDisk(ctx, s.cfg.Region, diskID); err != nil {
			return false, err
		}
		return disk.Status == ecs.DiskAvailable, nil
	})
	if errors.Is(err, context.DeadlineExceeded) && disk != nil {
		err = fmt.Errorf("still %s after %s (the location's restoreTimeout): %w", disk.Status, s.cfg.RestoreTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("wait for disk %s to become Available: %w", diskID, err)
	}
	return disk, nil
}
