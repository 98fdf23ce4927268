package harness

import (
	"context"
	"fmt"
	"time"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Location reads a BackupStorageLocation.
func (c *Cluster) Location(ctx context.Context, name string) (*velerov1.BackupStorageLocation, error) {
	l := &velerov1.BackupStorageLocation{}
	return l, c.Client.Get(ctx, types.NamespacedName{Namespace: VeleroNamespace, Name: name}, l)
}

// WaitForLocationPhase waits until Velero has validated the location into phase.
func (c *Cluster) WaitForLocationPhase(ctx context.Context, name string, phase velerov1.BackupStorageLocationPhase,
	timeout time.Duration) (*velerov1.BackupStorageLocation, error) {
	var l *velerov1.BackupStorageLocation
	err := waitFor(ctx, timeout, fmt.Sprintf("backup location %s to be %s", name, phase), c.VeleroServer(), func(ctx context.Context) error {
		var err error
		if l, err = c.Location(ctx, name); err != nil {
			return err
		}
		if l.Status.Phase != phase {
			return fmt.Errorf("phase %q, message %q", l.Status.Phase, l.Status.Message)
		}
		return nil
	})
	return l, err
}

// WaitForLocation waits until the location is Available: backups are refused before that.
func (c *Cluster) WaitForLocation(ctx context.Context, name string, timeout time.Duration) error {
	_, err := c.WaitForLocationPhase(ctx, name, velerov1.BackupStorageLocationPhaseAvailable, timeout)
	return err
}

// Backup reads a Backup.
func (c *Cluster) Backup(ctx context.Context, name string) (*velerov1.Backup, error) {
	b := &velerov1.Backup{}
	return b, c.Client.Get(ctx, types.NamespacedName{Namespace: VeleroNamespace, Name: name}, b)
}

// WaitForBackup waits until the backup exists in a terminal phase, for example after the backup sync
// found it in the vault.
func (c *Cluster) WaitForBackup(ctx context.Context, name string, timeout time.Duration) (*velerov1.Backup, error) {
	var b *velerov1.Backup
	err := waitFor(ctx, timeout, "backup "+name, c.VeleroServer(), func(ctx context.Context) error {
		var err error
		if b, err = c.Backup(ctx, name); err != nil {
			return err
		}
		switch b.Status.Phase {
		case velerov1.BackupPhaseCompleted, velerov1.BackupPhasePartiallyFailed, velerov1.BackupPhaseFailed,
			velerov1.BackupPhaseFailedValidation:
			return nil
		}
		return fmt.Errorf("phase %q", b.Status.Phase)
	})
	return b, err
}

// Restore reads a Restore.
func (c *Cluster) Restore(ctx context.Context, name string) (*velerov1.Restore, error) {
	r := &velerov1.Restore{}
	return r, c.Client.Get(ctx, types.NamespacedName{Namespace: VeleroNamespace, Name: name}, r)
}

// BackupCompleted explains a backup that did not complete cleanly.
func BackupCompleted(b *velerov1.Backup) error {
	if b.Status.Phase == velerov1.BackupPhaseCompleted && b.Status.Errors == 0 {
		return nil
	}
	return fmt.Errorf("backup %s is %s (errors %d, warnings %d, failure reason %q, validation errors %v): see `velero backup logs %s`",
		b.Name, b.Status.Phase, b.Status.Errors, b.Status.Warnings, b.Status.FailureReason, b.Status.ValidationErrors, b.Name)
}

// RestoreCompleted explains a restore that did not complete.
func RestoreCompleted(r *velerov1.Restore) error {
	if r.Status.Phase == velerov1.RestorePhaseCompleted && r.Status.Errors == 0 {
		return nil
	}
	return fmt.Errorf("restore %s is %s (errors %d, warnings %d, failure reason %q, validation errors %v): see `velero restore logs %s`",
		r.Name, r.Status.Phase, r.Status.Errors, r.Status.Warnings, r.Status.FailureReason, r.Status.ValidationErrors, r.Name)
}
