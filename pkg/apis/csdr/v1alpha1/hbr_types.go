package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Vault is the HBR vault that holds a volume's snapshots: ACK's "ack-backup-data" of the region.
type Vault struct {
	// Region is the region of the vault and of the HBR endpoint, e.g. cn-hangzhou.
	// +optional
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[a-z]{2,}(-[a-z0-9]+)+$`
	Region string `json:"region,omitempty"`
	// +optional
	VaultName string `json:"vaultName,omitempty"`
	// +optional
	VaultID string `json:"vaultID,omitempty"`
}

// BackupJob is what the controller knows of the HBR backup job of a volume.
type BackupJob struct {
	Vault `json:",inline"`
	// ContainerClusterID is the cluster's registration with HBR (cc-...).
	// +optional
	ContainerClusterID string `json:"containerClusterID,omitempty"`
	// JobName is the job's name, from HBRJobName.
	// +optional
	JobName string `json:"jobName,omitempty"`
	// CreatingSince is written before the first CreateBackupJob call. HBR takes no idempotency token:
	// after a restart or a lost answer the controller looks for a job of JobName created since then
	// rather than create a second one.
	// +optional
	CreatingSince *metav1.Time `json:"creatingSince,omitempty"`
	// +optional
	JobID string `json:"jobID,omitempty"`
	// SnapshotID and SnapshotHash name the snapshot the job made; a restore needs both.
	// +optional
	SnapshotID string `json:"snapshotID,omitempty"`
	// +optional
	SnapshotHash string `json:"snapshotHash,omitempty"`
}

// RestoreJob is what the controller knows of the HBR restore job of a volume.
type RestoreJob struct {
	// ContainerClusterID is the target cluster's registration with HBR.
	// +optional
	ContainerClusterID string `json:"containerClusterID,omitempty"`
	// CreatingSince is written before the first CreateRestoreJob call; see BackupJob.CreatingSince.
	// +optional
	CreatingSince *metav1.Time `json:"creatingSince,omitempty"`
	// RestoreID is HBR's ID of the restore job.
	// +optional
	RestoreID string `json:"restoreID,omitempty"`
}

// Condition types of both kinds. Each is True once its step is done, False with a reason while it
// cannot be (the message says why).
const (
	// ConditionVolumeMounted: a pod mounts the volume on a node HBR's agent may use.
	ConditionVolumeMounted = "VolumeMounted"
	// ConditionJobCreated: HBR has the job; status.hbr carries its ID.
	ConditionJobCreated = "JobCreated"
	// ConditionVolumeBound: a restored claim is bound to the volume the data went into (restores only).
	ConditionVolumeBound = "VolumeBound"
)
