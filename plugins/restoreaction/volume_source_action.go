package restoreaction

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// VolumeSourceActionName names the restore item action that completes a FilesystemRestore from the
// backup's FilesystemBackup.
const VolumeSourceActionName = "csdr.io/restore-volume-source"

// VolumeSourceAction is the restore item action on FilesystemBackups. VolumeDataAction names a claim's
// FilesystemBackup as an additional item; Velero restores it from the tarball right away, before the
// claim, and this action copies its snapshot (vault, ID, hash) into the claim's FilesystemRestore. The
// FilesystemBackup itself is never created: a record in a cluster running csdr-controller would start a
// second HBR job.
type VolumeSourceAction struct {
	clients Clients
	log     logrus.FieldLogger
}

// NewVolumeSourceAction returns the action.
func NewVolumeSourceAction(clients Clients, log logrus.FieldLogger) *VolumeSourceAction {
	return &VolumeSourceAction{clients: clients, log: log}
}

// AppliesTo implements RestoreItemAction.
func (a *VolumeSourceAction) AppliesTo() (velero.ResourceSelector, error) {
	return velero.ResourceSelector{IncludedResources: []string{csdrv1alpha1.Resource("filesystembackups").String()}}, nil
}

// Execute implements RestoreItemAction. It reads the record as the backup has it: Velero strips the
// status of the item before any action runs, not of ItemFromBackup.
func (a *VolumeSourceAction) Execute(in *velero.RestoreItemActionExecuteInput) (*velero.RestoreItemActionExecuteOutput, error) {
	skip := velero.NewRestoreItemActionExecuteOutput(in.Item).WithoutRestore()
	from := in.ItemFromBackup
	if from == nil {
		from = in.Item
	}
	var fsb csdrv1alpha1.FilesystemBackup
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(from.UnstructuredContent(), &fsb); err != nil {
		return nil, fmt.Errorf("read filesystembackup in the backup: %w", err)
	}
	ctx := context.Background()
	c, err := a.clients.Client()
	if err != nil {
		return nil, err
	}
	log := a.log.WithFields(logrus.Fields{"restore": in.Restore.Name, "filesystemBackup": fsb.Namespace + "/" + fsb.Name})
	var record csdrv1alpha1.FilesystemRestore
	key := types.NamespacedName{Namespace: in.Restore.Namespace, Name: csdrv1alpha1.RecordName(in.Restore.Name, fsb.Spec.Claim.UID)}
	switch err := c.Get(ctx, key, &record); {
	case apierrors.IsNotFound(err):
		// Restored for no claim of this restore (the velero namespace restored as such, or a claim
		// left as it is): nothing to complete.
		log.Debug("no filesystemrestore of this restore for the record's claim")
		return skip, nil
	case err != nil:
		return nil, fmt.Errorf("read filesystemrestore %s: %w", key, err)
	}
	log = log.WithField("record", record.Name)
	if record.Spec.Restore.UID != in.Restore.UID || record.Spec.Source.Claim.UID != fsb.Spec.Claim.UID {
		log.Warn("the filesystemrestore of this name is of another restore or claim: left alone")
		return skip, nil
	}
	if record.Spec.Source.SnapshotID != "" {
		return skip, nil // completed by an earlier call
	}
	src, err := fsb.RestoreSource()
	if err != nil {
		err = fmt.Errorf("restore files of claim %s/%s: %w", record.Spec.Target.Claim.Namespace, record.Spec.Target.Claim.Name, err)
		if cerr := cancelRecord(ctx, c, &record); cerr != nil {
			return nil, errors.Join(err, cerr)
		}
		return nil, err
	}
	// This cluster's Backup, as VolumeDataAction found it, not the source cluster's.
	src.Backup = record.Spec.Source.Backup
	if err := patchSource(ctx, c, &record, src); err != nil {
		return nil, err
	}
	log.WithField("snapshot", src.SnapshotID).Info("the restore names its snapshot")
	return skip, nil
}

// patchSource sets the record's source once; the API server refuses a change after that.
func patchSource(ctx context.Context, c kbclient.Client, record *csdrv1alpha1.FilesystemRestore, src csdrv1alpha1.RestoreSource) error {
	body, err := json.Marshal(map[string]any{"spec": map[string]any{"source": src}})
	if err != nil {
		return fmt.Errorf("encode source of filesystemrestore %s/%s: %w", record.Namespace, record.Name, err)
	}
	if err := c.Patch(ctx, record, kbclient.RawPatch(types.MergePatchType, body)); err != nil {
		return fmt.Errorf("set source of filesystemrestore %s/%s: %w", record.Namespace, record.Name, err)
	}
	return nil
}

// cancelRecord asks the controller to end a record that will never name a snapshot.
func cancelRecord(ctx context.Context, c kbclient.Client, record *csdrv1alpha1.FilesystemRestore) error {
	patch := kbclient.RawPatch(types.MergePatchType, []byte(`{"spec":{"cancel":true}}`))
	if err := c.Patch(ctx, record, patch); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("cancel filesystemrestore %s/%s: %w", record.Namespace, record.Name, err)
	}
	return nil
}
