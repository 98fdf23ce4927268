package volumesnapshotter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// cleanupTimeout bounds deleting what a failed restore made. ECS deletes only Available disks, so a
// disk that was still Creating when the restore gave up is waited for this long: enough for one that
// was nearly done, without holding Velero's restore for long.
const cleanupTimeout = 5 * time.Minute

// leftBehind adds to a failed restore's error what its cleanup could not delete.
func leftBehind(err, cleanupErr error) error {
	if cleanupErr == nil {
		return err
	}
	return fmt.Errorf("%w; %w", err, cleanupErr)
}

// discardDisk deletes a disk a failed restore made, once ECS allows it. It has a context of its own:
// the restore's may be the one that ran out.
func (s *Snapshotter) discardDisk(log logrus.FieldLogger, diskID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	status := ""
	err := s.poll(ctx, s.deps.Clock.Now().Add(cleanupTimeout), func() (bool, error) {
		d, err := s.client.DescribeDisk(ctx, s.cfg.Region, diskID)
		switch {
		case errors.Is(err, cloud.ErrNotFound):
			return true, nil
		case err != nil:
			return false, err
		case d.Status == ecs.DiskCreating:
			status = d.Status
			return false, nil
		}
		return true, s.client.DeleteDisk(ctx, s.cfg.Region, diskID)
	})
	if errors.Is(err, context.DeadlineExceeded) && status != "" {
		err = fmt.Errorf("still %s after waiting %s more: %w", status, cleanupTimeout, err)
	}
	if err != nil {
		return fmt.Errorf("disk %s in region %s, made by this restore, is left behind; delete it by hand: %w", diskID, s.cfg.Region, err)
	}
	log.WithField("disk", diskID).Info("deleted the disk made by the failed restore")
	return nil
}

// discardCopy deletes a snapshot copy in the location's region; ECS cancels one still in progress.
func (s *Snapshotter) discardCopy(log logrus.FieldLogger, copyID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	err := s.client.DeleteSnapshot(ctx, s.cfg.Region, copyID)
	if err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("snapshot copy %s in region %s, made by this restore, is left behind; delete it by hand (ECS deletes it after %d days): %w",
			copyID, s.cfg.Region, copyRetentionDays(s.cfg.RestoreTimeout), err)
	}
	log.WithField("copy", copyID).Info("deleted the snapshot copy made for the restore")
	return nil
}

// discardLostDisks deletes the disks a restore made although CreateDisk's answer never came.
func (s *Snapshotter) discardLostDisks(r restore) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	disks, err := s.client.FindDisks(ctx, s.cfg.Region, map[string]string{restoreIDTagKey: r.id})
	if err != nil {
		return fmt.Errorf("ECS may have made the disk: look for disks tagged %s=%s in region %s and delete them: %w",
			restoreIDTagKey, r.id, s.cfg.Region, err)
	}
	if len(disks) == 0 {
		// Either ECS made nothing, or its search does not show the disk yet: say where to look.
		r.log.WithField(restoreIDTagKey, r.id).Warnf("CreateDisk's answer was lost and no disk tagged %s=%s was found in region %s; if one shows up, delete it",
			restoreIDTagKey, r.id, s.cfg.Region)
	}
	var errs []error
	for _, d := range disks {
		errs = append(errs, s.discardDisk(r.log, d.ID))
	}
	return errors.Join(errs...)
}

// discardLostCopies deletes the copies a restore started although CopySnapshot's answer never came.
func (s *Snapshotter) discardLostCopies(r restore) error {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	copies, err := s.client.FindSnapshots(ctx, s.cfg.Region, map[string]string{restoreIDTagKey: r.id})
	if err != nil {
		return fmt.Errorf("ECS may have started the copy: look for snapshots tagged %s=%s in region %s and delete them: %w",
			restoreIDTagKey, r.id, s.cfg.Region, err)
	}
	if len(copies) == 0 {
		r.log.WithField(restoreIDTagKey, r.id).Warnf("CopySnapshot's answer was lost and no snapshot tagged %s=%s was found in region %s; if one shows up, delete it",
			restoreIDTagKey, r.id, s.cfg.Region)
	}
	var errs []error
	for _, c := range copies {
		errs = append(errs, s.discardCopy(r.log, c.ID))
	}
	return errors.Join(errs...)
}
