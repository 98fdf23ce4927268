package restoreaction

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/label"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	riav2 "github.com/vmware-tanzu/velero/pkg/plugin/velero/restoreitemaction/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// VolumeDataActionName names the restore item action that restores a claim's files from HBR. Velero runs
// the v1 actions of a plugin binary before its v2 ones, and each kind in sorted-name order
// (pkg/plugin/framework/server.go Serve, common.ServerMux.Names, clientmgmt/process/registry.go
// register): this v2 action runs after the "csdr.io/restore-storage" family (v1), and its name sorts
// after that family's too, so it sees the claim with its converted class and final name either way.
const VolumeDataActionName = "csdr.io/restore-volume-data"

// Clients gives the action its Kubernetes client, one that knows the csdr.io kinds, and the Velero
// namespace.
type Clients interface {
	Client() (kbclient.Client, error)
	Namespace() string
}

// VolumeDataAction is the restore item action on claims backed up through HBR: it records the restore
// of the claim's files (a FilesystemRestore the csdr-controller carries out) and holds the claim
// Pending until they are in. Velero tracks the record through the operation ID, its name.
type VolumeDataAction struct {
	clients Clients
	log     logrus.FieldLogger
}

var _ riav2.RestoreItemAction = (*VolumeDataAction)(nil)

// NewVolumeDataAction returns the action.
func NewVolumeDataAction(clients Clients, log logrus.FieldLogger) *VolumeDataAction {
	return &VolumeDataAction{clients: clients, log: log}
}

// Name implements riav2.RestoreItemAction.
func (a *VolumeDataAction) Name() string { return VolumeDataActionName }

// Execute implements riav2.RestoreItemAction. A claim the backup did not send through HBR (no
// FilesystemBackupAnnotation) is returned as it came. For the others it records the restore with the
// backup and the claim, and names the claim's FilesystemBackup as an additional item: Velero restores
// it at once, before it creates the claim, and VolumeSourceAction completes the record from it.
func (a *VolumeDataAction) Execute(in *velero.RestoreItemActionExecuteInput) (*velero.RestoreItemActionExecuteOutput, error) {
	pvc, ok := in.Item.(*unstructured.Unstructured)
	if !ok {
		pvc = &unstructured.Unstructured{Object: in.Item.UnstructuredContent()}
	}
	from := in.ItemFromBackup
	if from == nil {
		from = pvc
	}
	fromMeta, err := meta.Accessor(from)
	if err != nil {
		return nil, fmt.Errorf("claim %s/%s in the backup: %w", pvc.GetNamespace(), pvc.GetName(), err)
	}
	ref, ok := fromMeta.GetAnnotations()[csdrv1alpha1.FilesystemBackupAnnotation]
	if !ok {
		return velero.NewRestoreItemActionExecuteOutput(pvc), nil
	}
	fsbNamespace, fsbName, err := csdrv1alpha1.ParseFilesystemBackupRef(ref, in.Restore.Namespace)
	if err != nil {
		return nil, fmt.Errorf("claim %s/%s: %w", pvc.GetNamespace(), pvc.GetName(), err)
	}
	if fromMeta.GetUID() == "" {
		return nil, fmt.Errorf("claim %s/%s: the backup names no UID of the backed-up claim", pvc.GetNamespace(), pvc.GetName())
	}
	ctx := context.Background()
	c, err := a.clients.Client()
	if err != nil {
		return nil, err
	}
	backup, err := backupRef(ctx, c, in.Restore)
	if err != nil {
		return nil, fmt.Errorf("claim %s/%s: %w", pvc.GetNamespace(), pvc.GetName(), err)
	}
	// The snapshot follows from the FilesystemBackup, which Velero restores (through
	// VolumeSourceAction) as this claim's additional item.
	source := csdrv1alpha1.RestoreSource{Backup: backup,
		Claim: csdrv1alpha1.ClaimRef{Namespace: fromMeta.GetNamespace(), Name: fromMeta.GetName(), UID: fromMeta.GetUID()}}
	target := targetClaim(pvc, in.Restore)
	log := a.log.WithFields(logrus.Fields{"restore": in.Restore.Name, "claim": target.Namespace + "/" + target.Name,
		"filesystemBackup": fsbNamespace + "/" + fsbName})
	switch err := c.Get(ctx, types.NamespacedName{Namespace: target.Namespace, Name: target.Name}, &corev1.PersistentVolumeClaim{}); {
	case err == nil:
		// Velero will not create it either: restoring files under a claim in use would overwrite them.
		log.Warn("the claim exists in the cluster: its files are not restored from HBR")
		return velero.NewRestoreItemActionExecuteOutput(pvc), nil
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("read claim %s/%s: %w", target.Namespace, target.Name, err)
	}
	pv, err := volumeAwaiting(ctx, c, pvc, target)
	if err != nil {
		return nil, err
	}
	if pv != "" {
		// Velero restored the volume as it was (reclaim policy Retain), pointed at this claim; the
		// PV controller binds the claim to it whatever its selector says, so files restored elsewhere
		// would never reach the claim.
		log.WithField("volume", pv).Warn("the claim's volume is restored as it was: its files are not restored from HBR")
		return velero.NewRestoreItemActionExecuteOutput(pvc), nil
	}
	record := newRecord(in.Restore, source, target, pvc)
	if err := createRecord(ctx, c, record); err != nil {
		return nil, fmt.Errorf("claim %s/%s: %w", target.Namespace, target.Name, err)
	}
	if err := holdClaim(pvc, record.Name); err != nil {
		return nil, fmt.Errorf("claim %s/%s: %w", target.Namespace, target.Name, err)
	}
	// The record travels in the velero namespace, which the restore usually leaves out: Velero
	// restores it for this claim whatever the restore's filters (and strips the annotation).
	annotations := pvc.GetAnnotations()
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[velerov1.MustIncludeAdditionalItemRestoreAnnotation] = "true"
	pvc.SetAnnotations(annotations)
	log.WithField("record", record.Name).Info("files restored from HBR before the claim binds")
	out := velero.NewRestoreItemActionExecuteOutput(pvc).WithOperationID(record.Name)
	out.AdditionalItems = []velero.ResourceIdentifier{{GroupResource: csdrv1alpha1.Resource("filesystembackups"),
		Namespace: fsbNamespace, Name: fsbName}}
	return out, nil
}

// backupRef is the restore's Backup as this cluster has it: Velero's backup sync gives it a UID of its
// own, so the one the backup's records carry is the source cluster's.
func backupRef(ctx context.Context, c kbclient.Client, restore *velerov1.Restore) (csdrv1alpha1.OwnerRef, error) {
	var backup velerov1.Backup
	if err := c.Get(ctx, types.NamespacedName{Namespace: restore.Namespace, Name: restore.Spec.BackupName}, &backup); err != nil {
		return csdrv1alpha1.OwnerRef{}, fmt.Errorf("read backup %s/%s of restore %s: %w", restore.Namespace, restore.Spec.BackupName, restore.Name, err)
	}
	return csdrv1alpha1.OwnerRef{Name: backup.Name, UID: backup.UID}, nil
}

// volumeAwaiting is the name of the volume the claim names, when it exists in the cluster pointed at the
// target claim; "" otherwise.
func volumeAwaiting(ctx context.Context, c kbclient.Client, pvc *unstructured.Unstructured, target csdrv1alpha1.ClaimRef) (string, error) {
	name, _, _ := unstructured.NestedString(pvc.Object, "spec", "volumeName")
	if name == "" {
		return "", nil
	}
	var pv corev1.PersistentVolume
	switch err := c.Get(ctx, types.NamespacedName{Name: name}, &pv); {
	case apierrors.IsNotFound(err):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("read persistentvolume %s of claim %s/%s: %w", name, target.Namespace, target.Name, err)
	}
	if ref := pv.Spec.ClaimRef; ref != nil && ref.Namespace == target.Namespace && ref.Name == target.Name {
		return name, nil
	}
	return "", nil
}

// newRecord is the FilesystemRestore of a claim: named after the restore and the backed-up claim, in
// the Restore's namespace, owned by the Restore so that it goes with it.
func newRecord(restore *velerov1.Restore, source csdrv1alpha1.RestoreSource, target csdrv1alpha1.ClaimRef, pvc *unstructured.Unstructured) *csdrv1alpha1.FilesystemRestore {
	name := csdrv1alpha1.RecordName(restore.Name, source.Claim.UID)
	class, _, _ := unstructured.NestedString(pvc.Object, "spec", "storageClassName")
	return &csdrv1alpha1.FilesystemRestore{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: restore.Namespace,
			Labels: map[string]string{
				csdrv1alpha1.RestoreNameLabel:      label.GetValidName(restore.Name),
				csdrv1alpha1.RestoreUIDLabel:       string(restore.UID),
				csdrv1alpha1.PVCUIDLabel:           string(source.Claim.UID),
				csdrv1alpha1.AsyncOperationIDLabel: name,
			},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: velerov1.SchemeGroupVersion.String(), Kind: "Restore",
				Name: restore.Name, UID: restore.UID}},
		},
		Spec: csdrv1alpha1.FilesystemRestoreSpec{
			Restore: csdrv1alpha1.OwnerRef{Name: restore.Name, UID: restore.UID},
			Source:  source,
			Target: csdrv1alpha1.RestoreTarget{Claim: target, StorageClassName: class,
				TemporaryClaim: name + "-tmp", TemporaryPod: name + "-mount"},
		},
	}
}

// createRecord creates the record, or accepts the one an earlier call made for the same restore of the
// same claim: Velero may run the action again after a plugin restart. That one may name its snapshot
// already.
func createRecord(ctx context.Context, c kbclient.Client, record *csdrv1alpha1.FilesystemRestore) error {
	err := c.Create(ctx, record)
	switch {
	case err == nil:
		return nil
	case meta.IsNoMatchError(err):
		return fmt.Errorf("csdr-controller is not installed (no filesystemrestores.csdr.io): the files of the claim cannot be restored: %w", err)
	case !apierrors.IsAlreadyExists(err):
		return fmt.Errorf("create filesystemrestore %s/%s: %w", record.Namespace, record.Name, err)
	}
	var found csdrv1alpha1.FilesystemRestore
	if err := c.Get(ctx, kbclient.ObjectKeyFromObject(record), &found); err != nil {
		return fmt.Errorf("read filesystemrestore %s/%s: %w", record.Namespace, record.Name, err)
	}
	if found.Spec.Restore.UID != record.Spec.Restore.UID || found.Spec.Source.Claim.UID != record.Spec.Source.Claim.UID ||
		found.Spec.Target.Claim != record.Spec.Target.Claim {
		return fmt.Errorf("filesystemrestore %s/%s exists for restore %s (uid %s) of claim uid %s into %s/%s, not this one",
			found.Namespace, found.Name, found.Spec.Restore.Name, found.Spec.Restore.UID, found.Spec.Source.Claim.UID,
			found.Spec.Target.Claim.Namespace, found.Spec.Target.Claim.Name)
	}
	*record = found
	return nil
}
