package objectstore

import (
	"context"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// Cluster is what the object store needs to know of the cluster it runs in to share a vault with
// other clusters: who it is, what Velero is doing with a backup here, and where the volumes of a
// backup made here keep their data. Dependencies.Cluster nil is a vault of one cluster: Velero's own
// behaviour, kept for benchmarks to compare against.
type Cluster interface {
	// Identity is this cluster's identity (pkg/clusteridentity); it does not change while the plugin runs.
	Identity(ctx context.Context) (string, error)
	// BackupPhase is the phase of the Backup of that name in Velero's namespace; found is false when
	// there is none.
	BackupPhase(ctx context.Context, name string) (phase velerov1.BackupPhase, found bool, err error)
	// BackupSource is the source cluster annotation (v1alpha1.SourceClusterKey) of the Backup of that
	// name, "" when it has none; found is false when there is no such Backup.
	BackupSource(ctx context.Context, name string) (source string, found bool, err error)
	// FilesystemLocations are the HBR snapshots of the backup's filesystem volumes, from its
	// FilesystemBackups in this cluster.
	FilesystemLocations(ctx context.Context, backup string) ([]datalocation.Location, error)
	// AnnotateBackup merges annotations into the Backup of that name.
	AnnotateBackup(ctx context.Context, name string, annotations map[string]string) error
}
