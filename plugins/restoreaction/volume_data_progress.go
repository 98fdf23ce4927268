package restoreaction

import (
	"context"
	"fmt"
	"time"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/operation"
)

// Progress implements riav2.RestoreItemAction. It reads the record only: Velero starts the plugin for
// every call, every few seconds per restore, and the controller is the one that asks HBR.
func (a *VolumeDataAction) Progress(operationID string, restore *velerov1.Restore) (velero.OperationProgress, error) {
	record, err := a.record(context.Background(), operationID, restore)
	switch {
	case apierrors.IsNotFound(err):
		return velero.OperationProgress{}, err
	case err != nil:
		// An error here fails the operation for good; an API server that did not answer this time
		// may next time.
		a.log.WithError(err).WithField("record", operationID).Warn("progress of the file restore unknown for now")
		return velero.OperationProgress{OperationUnits: "Bytes", Description: "progress unknown: " + err.Error(), Updated: time.Now()}, nil
	}
	return recordProgress(record, time.Now()), nil
}

// recordProgress is Velero's view of a record at now. Until HBR says a total, the backup's is the best.
func recordProgress(r *csdrv1alpha1.FilesystemRestore, now time.Time) velero.OperationProgress {
	st := r.Status
	return operation.Progress(operation.Record{Kind: "filesystemrestore", Namespace: r.Namespace, Name: r.Name,
		Phase: st.Phase, Message: st.Message, Progress: st.Progress, Started: st.StartTimestamp, Completed: st.CompletionTimestamp,
		ExpectedBytes: r.Spec.Source.BytesTotal}, now)
}

// Cancel implements riav2.RestoreItemAction: it asks the controller to stop, which cancels the HBR job
// and removes the temporary claim and pod. A record already gone has nothing left to stop.
func (a *VolumeDataAction) Cancel(operationID string, restore *velerov1.Restore) error {
	c, err := a.clients.Client()
	if err != nil {
		return err
	}
	record := &csdrv1alpha1.FilesystemRestore{}
	record.Namespace, record.Name = restore.Namespace, operationID
	return cancelRecord(context.Background(), c, record)
}

// AreAdditionalItemsReady implements riav2.RestoreItemAction. The claim's FilesystemBackup is never
// created, so there is nothing to wait for (the action does not ask Velero to wait either).
func (a *VolumeDataAction) AreAdditionalItemsReady([]velero.ResourceIdentifier, *velerov1.Restore) (bool, error) {
	return true, nil
}

func (a *VolumeDataAction) record(ctx context.Context, operationID string, restore *velerov1.Restore) (*csdrv1alpha1.FilesystemRestore, error) {
	c, err := a.clients.Client()
	if err != nil {
		return nil, err
	}
	var r csdrv1alpha1.FilesystemRestore
	if err := c.Get(ctx, types.NamespacedName{Namespace: restore.Namespace, Name: operationID}, &r); err != nil {
		return nil, fmt.Errorf("read filesystemrestore %s/%s of operation %s: %w", restore.Namespace, operationID, operationID, err)
	}
	return &r, nil
}
