package vaultindex

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// Store is as much of the vault's bucket as the index needs. Errors are pkg/cloud's classified ones.
type Store interface {
	// List returns every object under prefix with its LastModified.
	List(ctx context.Context, prefix string) ([]Object, error)
	// Create writes key only if it does not exist; else it fails with cloud.ErrAlreadyExists and
	// leaves the object as it was.
	Create(ctx context.Context, key string, data []byte) error
	// Get reads a small object; a missing one fails with cloud.ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete succeeds for a key that is already gone.
	Delete(ctx context.Context, key string) error
}

// Vault is the index of one location.
type Vault struct {
	Store  Store
	Layout Layout
}

// Load lists the whole index: one request per 1,000 keys.
func (v Vault) Load(ctx context.Context) (Index, error) {
	objects, err := v.Store.List(ctx, v.Layout.Root())
	if err != nil {
		return Index{}, fmt.Errorf("read the vault index %s: %w", v.Layout.Root(), err)
	}
	return v.Layout.Parse(objects), nil
}

// Claim takes the backup's name for cluster me unless another cluster holds it, and returns the
// holder: me, or the other cluster. Claiming a name me already holds is a no-op but for the source
// marker, written again in case an earlier process stopped between the two writes.
func (v Vault) Claim(ctx context.Context, backup, me string) (string, error) {
	if err := CheckIdentity(me); err != nil {
		return "", err
	}
	// Read first: OSS ignores forbid-overwrite on a bucket with versioning enabled or suspended, and
	// there the read is what keeps a later backup of the same name from taking over the claim.
	owner, err := v.Owner(ctx, backup)
	if err != nil {
		return "", err
	}
	// A claim released between our create and our read leaves the name free: one more try decides.
	for attempt := 0; attempt < 2 && owner == ""; attempt++ {
		err := v.Store.Create(ctx, v.Layout.Claim(backup), []byte(me))
		if err == nil {
			owner = me
			break
		}
		if !errors.Is(err, cloud.ErrAlreadyExists) {
			return "", fmt.Errorf("claim backup name %q: %w", backup, err)
		}
		if owner, err = v.Owner(ctx, backup); err != nil {
			return "", err
		}
	}
	switch owner {
	case "":
		return "", fmt.Errorf("claim backup name %q: the claim changed hands while it was read; try again", backup)
	case me:
		return me, v.marker(ctx, v.Layout.Source(backup, me))
	default:
		return owner, nil
	}
}

// Owner reads the claim of a backup's name: the cluster that holds it, or "" when none does (a
// backup made before the index existed, or a free name).
func (v Vault) Owner(ctx context.Context, backup string) (string, error) {
	data, err := v.Store.Get(ctx, v.Layout.Claim(backup))
	if errors.Is(err, cloud.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read the claim of backup name %q: %w", backup, err)
	}
	owner := strings.TrimSpace(string(data))
	if err := CheckIdentity(owner); err != nil {
		return "", fmt.Errorf("read the claim of backup name %q: %w", backup, err)
	}
	return owner, nil
}

// Join records cluster me as a member from now on; a member's join time never moves.
func (v Vault) Join(ctx context.Context, me string) error {
	if err := CheckIdentity(me); err != nil {
		return err
	}
	return v.marker(ctx, v.Layout.Member(me))
}

// MarkCompleted makes the backup visible to the vault's other clusters.
func (v Vault) MarkCompleted(ctx context.Context, backup string) error {
	return v.marker(ctx, v.Layout.Completed(backup))
}

// MarkDeleted hides another cluster's backup from me for good, and from clusters that join later.
func (v Vault) MarkDeleted(ctx context.Context, backup, me string) error {
	if err := CheckIdentity(me); err != nil {
		return err
	}
	return v.marker(ctx, v.Layout.Deleted(backup, me))
}

// Forget removes a backup from the index, its claim last, so that its name is free only once
// nothing of the old backup's index is left for a new one to inherit.
func (v Vault) Forget(ctx context.Context, backup string) error {
	objects, err := v.Store.List(ctx, v.Layout.BackupDir(backup))
	if err != nil {
		return fmt.Errorf("forget backup %q in the vault index: %w", backup, err)
	}
	for _, o := range objects {
		if err := v.Store.Delete(ctx, o.Key); err != nil {
			return fmt.Errorf("forget backup %q in the vault index: %w", backup, err)
		}
	}
	if err := v.Store.Delete(ctx, v.Layout.Claim(backup)); err != nil {
		return fmt.Errorf("release backup name %q: %w", backup, err)
	}
	return nil
}

// marker creates an empty marker once: the first write's time is the one that counts. It reads
// first because forbid-overwrite does not hold on a versioned bucket, where a second write would move
// a join or a tombstone later.
func (v Vault) marker(ctx context.Context, key string) error {
	_, err := v.Store.Get(ctx, key)
	if err == nil {
		return nil
	}
	if !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("read %s of the vault index: %w", key, err)
	}
	err = v.Store.Create(ctx, key, nil)
	if err == nil || errors.Is(err, cloud.ErrAlreadyExists) {
		return nil
	}
	return fmt.Errorf("write %s to the vault index: %w", key, err)
}
