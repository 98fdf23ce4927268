package objectstore

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

const deleteFailed = "delete backup files from OSS bucket failed"

// deleteShared is Velero's deletion of a backup's file in a shared vault. Another cluster's backup
// is kept whole for its source, which can still restore it, and marked deleted for this cluster
// instead, so the sync never brings it back here. This cluster's own backup (or one made before the
// index) is deleted; with its velero-backup.json its index entry goes, and the name is free again.
// Deleting a backup without a claim also clears what an interrupted deletion may have left of its
// index entry.
func (o *ObjectStore) deleteShared(bucket, key, backup, file string) error {
	ctx, cancel := context.WithTimeout(context.Background(), vaultOpTimeout)
	defer cancel()
	v := o.shared
	me, err := v.identity(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w; nothing was deleted", deleteFailed, err)
	}
	owner, err := v.owner(ctx, backup)
	if err != nil {
		return operationFailed(o.cfg, deleteFailed, fmt.Errorf("%w; nothing was deleted", err))
	}
	if owner != "" && owner != me {
		return o.tombstone(ctx, backup, me, owner)
	}
	if file == vaultindex.MetadataFile {
		// The index entry goes before velero-backup.json: if either fails, velero-backup.json is still
		// there for Velero's next attempt to find and finish the job, so no stale claim keeps the name.
		if err := v.index.Forget(ctx, backup); err != nil {
			return operationFailed(o.cfg, deleteFailed, fmt.Errorf("%w; velero-backup.json was kept", err))
		}
		v.cache.forgetOwner(v.bucket + "/" + v.index.Layout.Claim(backup))
	}
	return o.delete(bucket, key)
}

// tombstone marks another cluster's backup deleted for this one, once per process and backup. A
// Backup here that is not a copy of that backup (this cluster's own backup of the same name, refused
// at its start) has nothing in the vault: deleting it leaves the vault as it is, and the other
// cluster's backup becomes visible here at the next sync.
func (o *ObjectStore) tombstone(ctx context.Context, backup, me, owner string) error {
	v := o.shared
	key := v.bucket + "/" + v.index.Layout.Deleted(backup, me)
	if v.cache.tombstoned(key) {
		return nil
	}
	source, found, err := v.cluster.BackupSource(ctx, backup)
	if err != nil {
		return fmt.Errorf("%s: read backup %q in this cluster: %w; nothing was deleted", deleteFailed, backup, err)
	}
	log := v.log.WithFields(logrus.Fields{"backup": backup, "sourceCluster": owner})
	if found && source != owner {
		if v.cache.rememberTombstone("kept:" + key) { // said once per process, not once per file
			log.Infof("backup %s in this cluster is not cluster %s's backup of that name in the vault: nothing in the vault is deleted", backup, owner)
		}
		return nil
	}
	if err := v.index.MarkDeleted(ctx, backup, me); err != nil {
		return operationFailed(o.cfg, deleteFailed, err)
	}
	if v.cache.rememberTombstone(key) {
		log.Infof("backup %s was made by cluster %s: kept in the vault for it; marked deleted for this cluster", backup, owner)
	}
	return nil
}
