package backupaction

import (
	"context"
	"errors"
	"fmt"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/label"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/fsbackup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

var errRecordTaken = errors.New("one of that name exists for another backup or claim")

// claimOf gathers what Decide reads: the claim's volume (nil while there is none) and the pods of its
// namespace that mount it.
func claimOf(ctx context.Context, c crclient.Client, pods *claimPods, backup *velerov1.Backup, pvc *corev1.PersistentVolumeClaim) (fsbackup.Claim, error) {
	claim := fsbackup.Claim{PVC: pvc}
	if name := pvc.Spec.VolumeName; name != "" {
		pv := &corev1.PersistentVolume{}
		switch err := c.Get(ctx, crclient.ObjectKey{Name: name}, pv); {
		case err == nil:
			claim.PV = pv
		case !apierrors.IsNotFound(err):
			return fsbackup.Claim{}, fmt.Errorf("get persistentvolume %s of claim %s/%s: %w", name, pvc.Namespace, pvc.Name, err)
		}
	}
	mounting, err := pods.mounting(ctx, c, backup, pvc)
	if err != nil {
		return fsbackup.Claim{}, err
	}
	claim.Pods = mounting
	return claim, nil
}

// newRecord is the FilesystemBackup of a claim HBR copies. Its name is the operation ID, found again
// from the backup and the claim alone; it lives in Velero's namespace and goes with its Backup. It is
// labelled with cluster, the identity of the cluster that makes it: only that cluster deletes its
// HBR snapshot.
func newRecord(claim fsbackup.Claim, backup *velerov1.Backup, cluster string) (*v1alpha1.FilesystemBackup, error) {
	pvc, pv := claim.PVC, claim.PV
	source, driver, err := kubelet.Source(pv)
	if err != nil {
		return nil, err
	}
	name := v1alpha1.RecordName(backup.Name, pvc.UID)
	rec := &v1alpha1.FilesystemBackup{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name,
			Namespace: backup.Namespace,
			Labels: map[string]string{
				v1alpha1.BackupNameLabel:       label.GetValidName(backup.Name),
				v1alpha1.BackupUIDLabel:        string(backup.UID),
				v1alpha1.PVCUIDLabel:           string(pvc.UID),
				v1alpha1.AsyncOperationIDLabel: name,
				v1alpha1.SourceClusterKey:      cluster,
			},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: velerov1.SchemeGroupVersion.String(),
				Kind:       "Backup",
				Name:       backup.Name,
				UID:        backup.UID,
			}},
		},
		Spec: v1alpha1.FilesystemBackupSpec{
			Backup: v1alpha1.OwnerRef{Name: backup.Name, UID: backup.UID},
			Claim:  v1alpha1.ClaimRef{Namespace: pvc.Namespace, Name: pvc.Name, UID: pvc.UID},
			Volume: v1alpha1.PersistentVolumeInfo{
				Name:             pv.Name,
				UID:              pv.UID,
				Source:           source,
				Driver:           driver,
				StorageClassName: pv.Spec.StorageClassName,
				Capacity:         pv.Spec.Capacity[corev1.ResourceStorage],
				AccessModes:      pv.Spec.AccessModes,
				VolumeMode:       corev1.PersistentVolumeFilesystem,
			},
			Retention: backup.Spec.TTL,
			NodeHint:  nodeHint(claim.Pods),
		},
	}
	return rec, nil
}

// nodeHint names the first Running pod that mounts the claim, nil when none does (the controller
// then starts a pod of its own).
func nodeHint(pods []corev1.Pod) *v1alpha1.NodeHint {
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning && p.Spec.NodeName != "" {
			return &v1alpha1.NodeHint{Pod: p.Name, Node: p.Spec.NodeName}
		}
	}
	return nil
}

// ensureRecord creates the record. Velero may call Execute twice for one claim (an item block retried,
// a plugin process restarted): a record of the same claim already there is this one, and rec becomes
// it.
func ensureRecord(ctx context.Context, c crclient.Client, rec *v1alpha1.FilesystemBackup) error {
	key := crclient.ObjectKeyFromObject(rec)
	switch err := c.Create(ctx, rec); {
	case err == nil:
		return nil
	case !apierrors.IsAlreadyExists(err):
		return fmt.Errorf("create filesystembackup %s: %w", key, err)
	}
	existing := &v1alpha1.FilesystemBackup{}
	if err := c.Get(ctx, key, existing); err != nil {
		return fmt.Errorf("get existing filesystembackup %s: %w", key, err)
	}
	if existing.Spec.Claim.UID != rec.Spec.Claim.UID || existing.Spec.Backup.UID != rec.Spec.Backup.UID {
		return fmt.Errorf("create filesystembackup %s: %w", key, errRecordTaken)
	}
	*rec = *existing
	return nil
}
