package objectstore

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
)

const checkFailed = "check backup files in OSS bucket failed"

// checkNameFree is the backup controller's question before it runs backup n ("does n exist in the
// vault?", asked while the Backup here is InProgress) answered for a shared vault: a name another
// cluster holds is taken even before that cluster has written velero-backup.json. Asked by the sync
// about another cluster's visible backup, it answers as Velero expects, from the object alone.
func (o *ObjectStore) checkNameFree(backup string) error {
	ctx, cancel := context.WithTimeout(context.Background(), vaultOpTimeout)
	defer cancel()
	v := o.shared
	phase, found, err := v.cluster.BackupPhase(ctx, backup)
	if err != nil {
		return fmt.Errorf("%s: read backup %q in this cluster: %w", checkFailed, backup, err)
	}
	if !found || phase != velerov1.BackupPhaseInProgress {
		return nil
	}
	me, err := v.identity(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", checkFailed, err)
	}
	owner, err := v.owner(ctx, backup)
	if err != nil {
		return operationFailed(o.cfg, checkFailed, err)
	}
	if owner != "" && owner != me {
		return nameTaken(backup, owner)
	}
	return nil
}

// visibleBackups filters Velero's listing of "<prefix>backups/" down to what this cluster may see,
// and makes the cluster a member of the vault the first time it lists it. Velero's sync then neither
// creates the hidden backups here nor keeps them (it deletes Completed Backups the listing lacks).
func (o *ObjectStore) visibleBackups(prefixes []string) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), vaultOpTimeout)
	defer cancel()
	v := o.shared
	me, err := v.identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", checkFailed, err)
	}
	ix, err := v.index.Load(ctx)
	if err != nil {
		return nil, listFailed(o.cfg, err)
	}
	viewer := ix.Viewer(me)
	if viewer.Joining {
		// A cluster that cannot write (read-only credentials) stays a newcomer: it keeps not seeing
		// what others deleted before it came, which is the rule for newcomers anyway.
		if err := v.index.Join(ctx, me); err != nil {
			v.log.WithError(err).Warn("could not record this cluster as a member of the vault; it is treated as joining at each sync")
		} else {
			v.log.WithField("cluster", me).Info("this cluster joined the vault: backups other clusters deleted before now stay hidden from it")
		}
	}
	visible := prefixes[:0:0]
	hidden := 0
	for _, p := range prefixes {
		name, ok := v.index.Layout.ParseVeleroBackupDir(p)
		if ok && !ix.Visible(name, viewer) {
			hidden++
			continue
		}
		visible = append(visible, p)
	}
	v.log.WithFields(logrus.Fields{"listed": len(prefixes), "hidden": hidden}).Debug("filtered the vault's backups for this cluster")
	return visible, nil
}
