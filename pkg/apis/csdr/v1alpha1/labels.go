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
