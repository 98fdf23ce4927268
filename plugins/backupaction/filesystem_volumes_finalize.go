package backupaction

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// finalize writes the snapshot onto the claim when Velero backs it up again after its operation: the
// claim in the tarball is all a restore in another cluster has to find the snapshot. Velero hands in
// the claim as it is in the cluster now, so the record's name is written again too. A claim without a
// Completed record is returned as it is: its operation has already made the backup PartiallyFailed.
func (a *FilesystemVolumesAction) finalize(ctx context.Context, c crclient.Client, item runtime.Unstructured,
	pvc *corev1.PersistentVolumeClaim, backup *velerov1.Backup, log logrus.FieldLogger) (runtime.Unstructured, error) {
	key := crclient.ObjectKey{Namespace: backup.Namespace, Name: v1alpha1.RecordName(backup.Name, pvc.UID)}
	rec := &v1alpha1.FilesystemBackup{}
	if err := c.Get(ctx, key, rec); err != nil {
		if apierrors.IsNotFound(err) {
			log.Debugf("filesystembackup %s does not exist: the claim has no snapshot to record", key)
			return item, nil
		}
		return nil, fmt.Errorf("get filesystembackup %s: %w", key, err)
	}
	if rec.Status.Phase != v1alpha1.PhaseCompleted {
		log.WithField("phase", rec.Status.Phase).Infof("filesystembackup %s is not Completed: the claim is backed up without a snapshot", key)
		return annotate(item, map[string]string{v1alpha1.FilesystemBackupAnnotation: rec.Name}), nil
	}
	src, err := restoreSource(rec)
	if err != nil {
		return nil, err
	}
	value, err := src.MarshalAnnotation()
	if err != nil {
		return nil, fmt.Errorf("filesystembackup %s: %w", key, err)
	}
	log.WithField("snapshot", src.SnapshotID).Infof("claim backed up with the snapshot of filesystembackup %s", key)
	return annotate(item, map[string]string{v1alpha1.FilesystemBackupAnnotation: rec.Name, v1alpha1.HBRSnapshotAnnotation: value}), nil
}

// restoreSource is where a Completed record's snapshot is, checked as the restore will check it.
func restoreSource(rec *v1alpha1.FilesystemBackup) (v1alpha1.RestoreSource, error) {
	if rec.Status.HBR == nil {
		return v1alpha1.RestoreSource{}, fmt.Errorf("filesystembackup %s/%s is Completed but names no HBR job", rec.Namespace, rec.Name)
	}
	volume := rec.Spec.Volume
	src := v1alpha1.RestoreSource{
		Backup:       rec.Spec.Backup,
		Claim:        rec.Spec.Claim,
		Volume:       &volume,
		Vault:        rec.Status.HBR.Vault,
		SnapshotID:   rec.Status.HBR.SnapshotID,
		SnapshotHash: rec.Status.HBR.SnapshotHash,
		BytesTotal:   rec.Status.Progress.BytesTotal,
	}
	value, err := src.MarshalAnnotation()
	if err != nil {
		return v1alpha1.RestoreSource{}, err
	}
	if _, err := v1alpha1.ParseRestoreSource(value); err != nil {
		return v1alpha1.RestoreSource{}, fmt.Errorf("filesystembackup %s/%s is Completed but its snapshot is incomplete: %w", rec.Namespace, rec.Name, err)
	}
	return src, nil
}

// annotate returns a copy of the item with the annotations added. The item is kept unstructured so
// that fields this client does not know survive.
func annotate(item runtime.Unstructured, add map[string]string) runtime.Unstructured {
	obj := &unstructured.Unstructured{Object: runtime.DeepCopyJSON(item.UnstructuredContent())}
	annotations := obj.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	for k, v := range add {
		annotations[k] = v
	}
	obj.SetAnnotations(annotations)
	return obj
}
