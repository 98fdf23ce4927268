// Package deleteaction holds our delete item actions, which Velero runs for each item of a backup's
// tarball when the backup is deleted.
package deleteaction

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// FilesystemBackupName is the name the action is registered under.
const FilesystemBackupName = "csdr.io/filesystem-backup-delete"

// FilesystemBackupAction marks the live FilesystemBackup of a record in a deleted backup's tarball,
// so that csdr-controller deletes its HBR snapshot when the record goes. It calls no cloud API:
// Velero next deletes the Backup, Kubernetes' garbage collector the record it owns, and the
// controller's finalizer the snapshot. A record deleted any other way leaves the snapshot to HBR's
// retention, and so does a record another cluster made (clusters sharing a vault): the backup goes
// from this cluster only, and its source can still restore it.
type FilesystemBackupAction struct {
	log      logrus.FieldLogger
	client   func() (crclient.Client, error)
	identity func(context.Context) (string, error)
}

// NewFilesystemBackupAction returns the action; client is made on first use, when Velero has parsed
// the plugin's flags; identity is this cluster's (pkg/clusteridentity), asked only of records that
// carry a source label.
func NewFilesystemBackupAction(log logrus.FieldLogger, client func() (crclient.Client, error),
	identity func(context.Context) (string, error)) *FilesystemBackupAction {
	return &FilesystemBackupAction{log: log, client: client, identity: identity}
}

// AppliesTo implements DeleteItemAction.
func (a *FilesystemBackupAction) AppliesTo() (velero.ResourceSelector, error) {
	return velero.ResourceSelector{IncludedResources: []string{v1alpha1.Resource("filesystembackups").String()}}, nil
}

// Execute implements DeleteItemAction. Velero only logs its errors, and the backup goes anyway.
func (a *FilesystemBackupAction) Execute(in *velero.DeleteItemActionExecuteInput) error {
	item := &v1alpha1.FilesystemBackup{}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(in.Item.UnstructuredContent(), item); err != nil {
		return fmt.Errorf("read filesystembackup from backup %s: %w", in.Backup.Name, err)
	}
	key := crclient.ObjectKeyFromObject(item)
	log := a.log.WithFields(logrus.Fields{"backup": in.Backup.Namespace + "/" + in.Backup.Name, "filesystembackup": key.String()})
	c, err := a.client()
	if err != nil {
		return err
	}
	ctx := context.Background()
	live := &v1alpha1.FilesystemBackup{}
	if err := c.Get(ctx, key, live); err != nil {
		if apierrors.IsNotFound(err) {
			log.Info("filesystembackup is not in this cluster: its snapshot is left to HBR's retention")
			return nil
		}
		return fmt.Errorf("get filesystembackup %s: %w", key, err)
	}
	// Another cluster that reads the same bucket, or a backup of the same name made again, has a
	// record of that name that is not this backup's: its snapshot is not ours to delete.
	if live.UID != item.UID && live.Spec.Backup.UID != item.Spec.Backup.UID {
		log.WithField("liveBackupUID", live.Spec.Backup.UID).Info("filesystembackup in this cluster belongs to another backup; left as it is")
		return nil
	}
	if live.Annotations[v1alpha1.DeleteSnapshotAnnotation] == "true" {
		return nil
	}
	source, mine, err := a.madeHere(ctx, live, item)
	if err != nil {
		return fmt.Errorf("mark filesystembackup %s for snapshot deletion: %w", key, err)
	}
	if !mine {
		log.WithField("sourceCluster", source).Infof("filesystembackup was made by cluster %s: its HBR snapshot is kept for it", source)
		return nil
	}
	patch := crclient.MergeFrom(live.DeepCopy())
	if live.Annotations == nil {
		live.Annotations = map[string]string{}
	}
	live.Annotations[v1alpha1.DeleteSnapshotAnnotation] = "true"
	if err := c.Patch(ctx, live, patch); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("mark filesystembackup %s for snapshot deletion: %w", key, err)
	}
	log.Info("marked filesystembackup: csdr-controller deletes its HBR snapshot when the backup goes")
	return nil
}

// madeHere tells whether the records were made in this cluster: their source label is empty (made
// before clusters shared vaults) or names this cluster. Both the live record and the tarball's copy
// must say so. source is the other cluster when one is named.
func (a *FilesystemBackupAction) madeHere(ctx context.Context, records ...*v1alpha1.FilesystemBackup) (source string, mine bool, err error) {
	me := ""
	for _, r := range records {
		source = r.Labels[v1alpha1.SourceClusterKey]
		if source == "" {
			continue
		}
		if me == "" {
			if me, err = a.identity(ctx); err != nil {
				return "", false, fmt.Errorf("this cluster's identity is unknown: %w", err)
			}
		}
		if source != me {
			return source, false, nil
		}
	}
	return "", true, nil
}
