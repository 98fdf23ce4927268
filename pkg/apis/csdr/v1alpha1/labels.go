package v1alpha1

// Labels and annotations on the records and the objects they concern. The velero.io keys are Velero's
// own, so `kubectl get fsb -l velero.io/backup-name=<backup>` reads like Velero's DataUploads.
const (
	// BackupNameLabel and BackupUIDLabel name the Velero Backup a FilesystemBackup belongs to.
	BackupNameLabel = "velero.io/backup-name"
	BackupUIDLabel  = "velero.io/backup-uid"
	// RestoreNameLabel and RestoreUIDLabel name the Velero Restore a FilesystemRestore belongs to.
	RestoreNameLabel = "velero.io/restore-name"
	RestoreUIDLabel  = "velero.io/restore-uid"
	// AsyncOperationIDLabel carries the operation ID the item action returned to Velero, which finds
	// the record again by it in Progress and Cancel.
	AsyncOperationIDLabel = "velero.io/async-operation-id"
	// PVCUIDLabel is the UID of the claim a record backs up or restores.
	PVCUIDLabel = "csdr.io/pvc-uid"

	// SkipFilesystemBackupAnnotation on a claim, set to SkipFilesystemBackupValue, keeps its volume out
	// of HBR even where it would be backed up through HBR by default.
	SkipFilesystemBackupAnnotation = "csdr.io/skip-filesystem-backup"
	SkipFilesystemBackupValue      = "true"
)

// Keys that carry a filesystem volume from a backup to a restore, and that tie the controller's
// temporary objects to their record.
const (
	// FilesystemBackupAnnotation on a claim in a backup names the FilesystemBackup of its volume as
	// <namespace>/<name> (FilesystemBackupRef). The record itself travels in the same tarball, finished
	// (Velero backs it up again once its operation ends), and carries the snapshot to every cluster
	// that restores the backup.
	FilesystemBackupAnnotation = "csdr.io/filesystem-backup"
	// DeleteSnapshotAnnotation on a FilesystemBackup, set to "true" by the delete item action, asks the
	// controller to delete the HBR snapshot when the record goes. Without it a record that goes (its
	// Backup deleted with kubectl, say) leaves the snapshot to its retention.
	DeleteSnapshotAnnotation = "csdr.io/delete-hbr-snapshot"
	// SnapshotFinalizer keeps a FilesystemBackup until the controller has dealt with its HBR job and
	// snapshot.
	SnapshotFinalizer = "csdr.io/hbr-snapshot"
	// FilesystemRestoreLabel is the restored claim's selector and, once the data is in, the label of
	// the volume bound to it: a claim with a selector is never provisioned and binds only to that
	// volume, so no application sees a volume before its data is in. Its value is the record's name.
	FilesystemRestoreLabel = "csdr.io/filesystem-restore"
	// TemporaryForLabel marks the pods and claims the controller makes for a record (value: the
	// record's name); they go when the record is terminal.
	TemporaryForLabel = "csdr.io/temporary-for"
	// ReclaimPolicyAnnotation on a restored volume keeps its reclaim policy while the controller holds
	// it at Retain, moving it from the temporary claim to the restored one; the policy is put back, and
	// the annotation removed, once the restored claim is bound or the restore has failed.
	ReclaimPolicyAnnotation = "csdr.io/reclaim-policy"
)

// Node labels that decide where HBR's agent may read or write a volume, ACK Backup Center's keys, and
// the label virtual nodes carry.
const (
	// AgentIncludedLabel set to "true" takes a node under node_schedule_policy include, and puts it
	// first under prefer.
	AgentIncludedLabel = "csdr.alibabacloud.com/agent-included"
	// AgentExcludedLabel set to "true" keeps a node out under exclude, and puts it last under prefer.
	AgentExcludedLabel = "csdr.alibabacloud.com/agent-excluded"
	// VirtualNodeLabel with VirtualNodeValue marks a virtual node (ECI, virtual-kubelet): no hbr-client
	// agent runs there, ever.
	VirtualNodeLabel = "type"
	VirtualNodeValue = "virtual-kubelet"
)

// Keys that tie a backup and its data to the cluster that made it, so that clusters sharing one vault
// never delete each other's data (ACK Backup Center's "source cluster").
const (
	// SourceClusterKey carries the identity (pkg/clusteridentity) of the cluster that made a backup:
	// an annotation on the Backup (in the vault and in every cluster it is synced to), a label on its
	// FilesystemBackups and a tag on its ECS snapshots.
	SourceClusterKey = "csdr.io/source-cluster"
	// DataLocationsAnnotation on a Backup lists where each volume's data is and whether it still
	// exists (pkg/datalocation), for `velero backup describe`.
	DataLocationsAnnotation = "csdr.io/data-locations"
)
