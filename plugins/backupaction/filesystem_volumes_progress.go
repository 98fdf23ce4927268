package backupaction

import (
	"context"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/operation"
)

// Progress implements BackupItemAction v2. Velero starts the plugin for every call, every few
// seconds, so Progress only reads the record the controller keeps; it never calls HBR. A record that
// cannot be read for now reports no progress rather than an error, which would fail the operation
// for good; a record that is gone fails it.
func (a *FilesystemVolumesAction) Progress(operationID string, backup *velerov1.Backup) (velero.OperationProgress, error) {
	key := crclient.ObjectKey{Namespace: backup.Namespace, Name: operationID}
	log := a.log.WithFields(logrus.Fields{"backup": backup.Namespace + "/" + backup.Name, "filesystembackup": key.String()})
	c, err := a.kube.Client()
	if err != nil {
		log.WithError(err).Warn("cannot read the filesystembackup's progress for now")
		return velero.OperationProgress{Description: "progress unknown for now"}, nil
	}
	rec := &v1alpha1.FilesystemBackup{}
	if err := c.Get(context.Background(), key, rec); err != nil {
		if apierrors.IsNotFound(err) {
			return velero.OperationProgress{}, fmt.Errorf("filesystembackup %s of operation %s does not exist", key, operationID)
		}
		log.WithError(err).Warn("cannot read the filesystembackup's progress for now")
		return velero.OperationProgress{Description: "progress unknown for now"}, nil
	}
	return progressOf(rec, a.now()), nil
}

// progressOf maps a record's status onto Velero's operation.
func progressOf(rec *v1alpha1.FilesystemBackup, now time.Time) velero.OperationProgress {
	st := rec.Status
	return operation.Progress(operation.Record{Kind: "filesystembackup", Namespace: rec.Namespace, Name: rec.Name,
		Phase: st.Phase, Message: st.Message, Progress: st.Progress, Started: st.StartTimestamp, Completed: st.CompletionTimestamp}, now)
}

// Cancel implements BackupItemAction v2: it asks the controller to stop the job (Velero calls it when
// the operation times out). A record that is gone has nothing left to stop.
func (a *FilesystemVolumesAction) Cancel(operationID string, backup *velerov1.Backup) error {
	key := crclient.ObjectKey{Namespace: backup.Namespace, Name: operationID}
	c, err := a.kube.Client()
	if err != nil {
		return err
	}
	ctx := context.Background()
	rec := &v1alpha1.FilesystemBackup{}
	if err := c.Get(ctx, key, rec); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("get filesystembackup %s to cancel it: %w", key, err)
	}
	if rec.Spec.Cancel {
		return nil
	}
	patch := crclient.MergeFrom(rec.DeepCopy())
	rec.Spec.Cancel = true
	if err := c.Patch(ctx, rec, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("cancel filesystembackup %s: %w", key, err)
	}
	a.log.WithFields(logrus.Fields{"backup": backup.Namespace + "/" + backup.Name, "filesystembackup": key.String()}).
		Info("asked csdr-controller to cancel the backup of the volume")
	return nil
}
