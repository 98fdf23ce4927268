package objectstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// Kube is the plugin binary's Kubernetes client, made on first use; *kubeclient.Lazy is one.
type Kube interface {
	Client() (kbclient.Client, error)
	// Namespace is Velero's namespace.
	Namespace() string
	// Identity is this cluster's (pkg/clusteridentity), resolved once per process.
	Identity(ctx context.Context) (string, error)
}

// kubeCallTimeout bounds one call to the API server.
const kubeCallTimeout = 30 * time.Second

// KubeCluster is the Cluster velero server's plugins run in, read through its API server.
type KubeCluster struct {
	kube Kube
}

var _ Cluster = (*KubeCluster)(nil)

// NewKubeCluster reads the cluster through kube; make one per plugin process.
func NewKubeCluster(kube Kube) *KubeCluster { return &KubeCluster{kube: kube} }

// Identity is the binary's one identity (kubeclient.Lazy resolves it once for every plugin kind).
func (k *KubeCluster) Identity(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, kubeCallTimeout)
	defer cancel()
	return k.kube.Identity(ctx)
}

func (k *KubeCluster) BackupPhase(ctx context.Context, name string) (velerov1.BackupPhase, bool, error) {
	backup, err := k.backup(ctx, name)
	if backup == nil || err != nil {
		return "", false, err
	}
	return backup.Status.Phase, true, nil
}

func (k *KubeCluster) BackupSource(ctx context.Context, name string) (string, bool, error) {
	backup, err := k.backup(ctx, name)
	if backup == nil || err != nil {
		return "", false, err
	}
	return backup.Annotations[v1alpha1.SourceClusterKey], true, nil
}

// backup reads the Backup of that name in Velero's namespace; nil, nil when there is none.
func (k *KubeCluster) backup(ctx context.Context, name string) (*velerov1.Backup, error) {
	c, err := k.kube.Client()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, kubeCallTimeout)
	defer cancel()
	backup := &velerov1.Backup{}
	key := types.NamespacedName{Namespace: k.kube.Namespace(), Name: name}
	if err := c.Get(ctx, key, backup); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read backup %s: %w", key, err)
	}
	return backup, nil
}

// FilesystemLocations are the HBR snapshots of the backup's FilesystemBackups in Velero's namespace
// that this cluster made (a record restored from another cluster's backup names its source).
func (k *KubeCluster) FilesystemLocations(ctx context.Context, backup string) ([]datalocation.Location, error) {
	me, err := k.Identity(ctx)
	if err != nil {
		return nil, err
	}
	c, err := k.kube.Client()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, kubeCallTimeout)
	defer cancel()
	var records v1alpha1.FilesystemBackupList
	if err := c.List(ctx, &records, kbclient.InNamespace(k.kube.Namespace()),
		kbclient.MatchingLabels{v1alpha1.BackupNameLabel: backup}); err != nil {
		return nil, fmt.Errorf("list the filesystem backups of backup %s/%s: %w", k.kube.Namespace(), backup, err)
	}
	var locs []datalocation.Location
	for _, r := range records.Items {
		if src := r.Labels[v1alpha1.SourceClusterKey]; src != "" && src != me {
			continue
		}
		hbr := r.Status.HBR
		if hbr == nil || hbr.SnapshotID == "" {
			continue
		}
		locs = append(locs, datalocation.Location{
			Volume:           r.Spec.Claim.Namespace + "/" + r.Spec.Claim.Name,
			PersistentVolume: r.Spec.Volume.Name,
			Kind:             datalocation.HBRSnapshot,
			ID:               hbr.SnapshotID,
			Region:           hbr.Region,
			Vault:            hbr.VaultID,
			VaultName:        hbr.VaultName,
		})
	}
	return locs, nil
}

// AnnotateBackup merge-patches metadata.annotations, so it neither needs nor races with the
// Backup's resourceVersion: Velero's own patches of the Backup keep these keys.
func (k *KubeCluster) AnnotateBackup(ctx context.Context, name string, annotations map[string]string) error {
	c, err := k.kube.Client()
	if err != nil {
		return err
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": annotations}})
	if err != nil {
		return fmt.Errorf("annotate backup %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, kubeCallTimeout)
	defer cancel()
	backup := &velerov1.Backup{}
	backup.Namespace, backup.Name = k.kube.Namespace(), name
	if err := c.Patch(ctx, backup, kbclient.RawPatch(types.MergePatchType, patch)); err != nil {
		return fmt.Errorf("annotate backup %s/%s: %w", backup.Namespace, name, err)
	}
	return nil
}
