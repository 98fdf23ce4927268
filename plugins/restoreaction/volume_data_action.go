package restoreaction

import (
	"context"
	"errors"
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

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// VolumeDataActionName names the restore item action that restores a claim's files from HBR. Velero runs
// the v1 actions of a plugin binary before its v2 ones, and each kind in sorted-name order
// (pkg/plugin/framework/server.go Serve, common.ServerMux.Names, clientmgmt/process/registry.go
// register): this v2 action runs after the "csdr.io/restore-storage" family (v1), and its name sorts
// after that family's too, so it sees the claim with its converted class and final name either way.
const VolumeDataActionName = "csdr.io/restore-volume-data"

// ErrCrossRegion is ACK Backup Center's refusal of a file volume restored in another region: HBR
// restores a snapshot only within its vault's region.
var ErrCrossRegion = errors.New("only disk type PVs support cross-region restore in current version")

// Clients gives the action its Kubernetes client: one that knows the csdr.io kinds.
type Clients interface {
	Client() (kbclient.Client, error)
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

// AppliesTo implements riav2.RestoreItemAction.
func (a *VolumeDataAction) AppliesTo() (velero.ResourceSelector, error) {
	return velero.ResourceSelector{IncludedResources: []string{"persistentvolumeclaims"}}, nil
}

// Execute implements riav2.RestoreItemAction. A claim whose backup carries no HBR snapshot is returned
// as it came.
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
	value, ok := fromMeta.GetAnnotations()[csdrv1alpha1.HBRSnapshotAnnotation]
	if !ok {
		return velero.NewRestoreItemActionExecuteOutput(pvc), nil
	}
	source, err := csdrv1alpha1.ParseRestoreSource(value)
	if err != nil {
		return nil, fmt.Errorf("claim %s/%s: %w", pvc.GetNamespace(), pvc.GetName(), err)
	}
	if source.Claim.UID == "" {
		source.Claim.UID = fromMeta.GetUID()
	}
	if source.Claim.UID == "" {
		return nil, fmt.Errorf("claim %s/%s: the backup names no UID of the backed-up claim", pvc.GetNamespace(), pvc.GetName())
	}
	ctx := context.Background()
	c, err := a.clients.Client()
	if err != nil {
		return nil, err
	}
	if err := sameRegion(ctx, c, source.Region); err != nil {
		return nil, err
	}
	target := targetClaim(pvc, in.Restore)
	log := a.log.WithFields(logrus.Fields{"restore": in.Restore.Name, "claim": target.Namespace + "/" + target.Name,
		"snapshot": source.SnapshotID})
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
	log.WithField("record", record.Name).Info("files restored from HBR before the claim binds")
	return velero.NewRestoreItemActionExecuteOutput(pvc).WithOperationID(record.Name), nil
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

// sameRegion refuses a snapshot of another region than the cluster's, in ACK's words.
func sameRegion(ctx context.Context, c kbclient.Client, snapshotRegion string) error {
	var nodes corev1.NodeList
	if err := c.List(ctx, &nodes); err != nil {
		return fmt.Errorf("list nodes for the cluster's region: %w", err)
	}
	region, err := alibaba.RegionOfNodes(nodes.Items)
	if err != nil {
		return fmt.Errorf("the cluster's region: %w", err)
	}
	if region != snapshotRegion {
		return fmt.Errorf("%w (snapshot in %s, cluster in %s)", ErrCrossRegion, snapshotRegion, region)
	}
	return nil
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

// createRecord creates the record, or accepts the one an earlier call made for the same restore and
// snapshot: Velero may run the action again after a plugin restart.
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
	if found.Spec.Restore.UID != record.Spec.Restore.UID || found.Spec.Source.SnapshotID != record.Spec.Source.SnapshotID ||
		found.Spec.Target.Claim != record.Spec.Target.Claim {
		return fmt.Errorf("filesystemrestore %s/%s exists for restore %s (uid %s) of snapshot %s into %s/%s, not this one",
			found.Namespace, found.Name, found.Spec.Restore.Name, found.Spec.Restore.UID, found.Spec.Source.SnapshotID,
			found.Spec.Target.Claim.Namespace, found.Spec.Target.Claim.Name)
	}
	*record = found
	return nil
}
