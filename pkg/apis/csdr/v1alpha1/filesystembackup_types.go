package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// FilesystemBackupSpec is what the backup item action knows when Velero hands it the claim. Everything
// but cancel is fixed at creation.
//
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.cancel) || !oldSelf.cancel || (has(self.cancel) && self.cancel)",message="cancel cannot be unset"
// +kubebuilder:validation:XValidation:rule="has(self.claim.uid) && size(self.claim.uid) > 0",message="claim.uid is required"
type FilesystemBackupSpec struct {
	// Backup is the Velero Backup this volume is part of.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="backup is immutable"
	Backup OwnerRef `json:"backup"`
	// Claim is the PersistentVolumeClaim backed up.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="claim is immutable"
	Claim ClaimRef `json:"claim"`
	// Volume is the claim's PersistentVolume when Velero backed the claim up.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="volume is immutable"
	Volume PersistentVolumeInfo `json:"volume"`
	// Retention is how long HBR keeps the snapshot: the Backup's TTL (HBR counts whole days, see
	// RetentionDays).
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="retention is immutable"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$`
	Retention metav1.Duration `json:"retention"`
	// NodeHint is where a Running pod mounted the claim when Velero backed it up. The controller looks
	// again and applies the node policy; it may choose another node.
	// +optional
	NodeHint *NodeHint `json:"nodeHint,omitempty"`
	// Cancel asks the controller to stop the backup (Velero's Cancel, e.g. on timeout). It cannot be
	// taken back.
	// +optional
	Cancel bool `json:"cancel,omitempty"`
}

// NodeHint names a pod that mounted the claim and its node.
type NodeHint struct {
	// +optional
	Pod string `json:"pod,omitempty"`
	// +optional
	Node string `json:"node,omitempty"`
}

// FilesystemBackupStatus is what the controller writes.
type FilesystemBackupStatus struct {
	// +optional
	Phase Phase `json:"phase,omitempty"`
	// Message says why the record is in its phase; failures read as ACK Backup Center words them,
	// e.g. "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist".
	// +optional
	Message string `json:"message,omitempty"`
	// Node is where HBR's agent reads the volume.
	// +optional
	Node string `json:"node,omitempty"`
	// Pod mounts the volume on Node.
	// +optional
	Pod *PodRef `json:"pod,omitempty"`
	// HBR is the job and the snapshot it made.
	// +optional
	HBR *BackupJob `json:"hbr,omitempty"`
	// +optional
	Progress Progress `json:"progress,omitempty"`
	// StartTimestamp is when the controller first worked on the record; Velero shows it as the
	// operation's start.
	// +optional
	StartTimestamp *metav1.Time `json:"startTimestamp,omitempty"`
	// +optional
	CompletionTimestamp *metav1.Time `json:"completionTimestamp,omitempty"`
	// +optional
	// +listType=map
	// +listMapKey=type
	// +patchStrategy=merge
	// +patchMergeKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty" patchStrategy:"merge" patchMergeKey:"type"`
}

// FilesystemBackup is one volume of a Velero Backup, backed up file by file through HBR.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=fsb,categories=velero
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Bytes",type=integer,format=int64,JSONPath=`.status.progress.bytesDone`,description="Bytes HBR has processed"
// +kubebuilder:printcolumn:name="Progress",type=string,JSONPath=`.status.progress.percent`
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.status.node`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Backup",type=string,JSONPath=`.spec.backup.name`,priority=1
// +kubebuilder:printcolumn:name="Claim Namespace",type=string,JSONPath=`.spec.claim.namespace`,priority=1
// +kubebuilder:printcolumn:name="Claim",type=string,JSONPath=`.spec.claim.name`,priority=1
// +kubebuilder:printcolumn:name="Job",type=string,JSONPath=`.status.hbr.jobID`,priority=1
type FilesystemBackup struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec FilesystemBackupSpec `json:"spec"`
	// +optional
	Status FilesystemBackupStatus `json:"status,omitempty"`
}

// FilesystemBackupList is a list of FilesystemBackups.
//
// +kubebuilder:object:root=true
type FilesystemBackupList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FilesystemBackup `json:"items"`
}
