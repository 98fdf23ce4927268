package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// FilesystemRestoreSpec is what the restore item action knows when Velero hands it the claim. Everything
// but cancel is fixed at creation.
//
// +kubebuilder:validation:XValidation:rule="!has(oldSelf.cancel) || !oldSelf.cancel || (has(self.cancel) && self.cancel)",message="cancel cannot be unset"
type FilesystemRestoreSpec struct {
	// Restore is the Velero Restore this volume is part of.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="restore is immutable"
	Restore OwnerRef `json:"restore"`
	// Source is the snapshot to restore. The claim's restore item action creates the record with the
	// backup and the claim; the snapshot (vault, ID, hash) follows once, from the FilesystemBackup in
	// the backup tarball, which Velero restores right after the claim's action returns.
	// +kubebuilder:validation:XValidation:rule="!has(oldSelf.snapshotID) || self == oldSelf",message="source is immutable once it names a snapshot"
	Source RestoreSource `json:"source"`
	// Target is the claim the application gets, and the temporary claim and pod the data is restored
	// through before the target is bound to its volume.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="target is immutable"
	Target RestoreTarget `json:"target"`
	// Cancel asks the controller to stop the restore. It cannot be taken back.
	// +optional
	Cancel bool `json:"cancel,omitempty"`
}

// RestoreSource is a snapshot in an HBR vault and what it was taken of.
type RestoreSource struct {
	// Backup is the Velero Backup the snapshot belongs to.
	Backup OwnerRef `json:"backup"`
	// Claim is the backed-up claim, as it was in the source cluster.
	Claim ClaimRef `json:"claim"`
	// Volume is the backed-up claim's PersistentVolume, as it was in the source cluster.
	// +optional
	Volume *PersistentVolumeInfo `json:"volume,omitempty"`
	Vault  `json:",inline"`
	// SnapshotID and SnapshotHash are empty until the backup's FilesystemBackup is read.
	// +optional
	// +kubebuilder:validation:MinLength=1
	SnapshotID string `json:"snapshotID,omitempty"`
	// +optional
	// +kubebuilder:validation:MinLength=1
	SnapshotHash string `json:"snapshotHash,omitempty"`
	// BytesTotal is the size the backup reported, so that progress has a total before HBR says one.
	// +optional
	// +kubebuilder:validation:Minimum=0
	BytesTotal int64 `json:"bytesTotal,omitempty"`
}

// RestoreTarget is where a snapshot is restored. The temporary claim and pod live in the record's
// namespace; the target claim stays Pending until the data is in, so no application sees half of it.
type RestoreTarget struct {
	// Claim is the restored claim, as renamed and mapped by the restore. It does not exist yet when the
	// record is made, so it has no UID here.
	Claim ClaimRef `json:"claim"`
	// StorageClassName is the class the restored claim is provisioned with (possibly converted).
	// +optional
	StorageClassName string `json:"storageClassName,omitempty"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	TemporaryClaim string `json:"temporaryClaim"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	TemporaryPod string `json:"temporaryPod"`
}

// FilesystemRestoreStatus is what the controller writes.
type FilesystemRestoreStatus struct {
	// +optional
	Phase Phase `json:"phase,omitempty"`
	// Message says why the record is in its phase, in ACK Backup Center's words on failures.
	// +optional
	Message string `json:"message,omitempty"`
	// Node is where HBR's agent writes the volume.
	// +optional
	Node string `json:"node,omitempty"`
	// Pod mounts the temporary claim on Node.
	// +optional
	Pod *PodRef `json:"pod,omitempty"`
	// VolumeName is the PersistentVolume provisioned for the temporary claim, bound to the target claim
	// once the data is in.
	// +optional
	VolumeName string `json:"volumeName,omitempty"`
	// +optional
	HBR *RestoreJob `json:"hbr,omitempty"`
	// +optional
	Progress Progress `json:"progress,omitempty"`
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

// FilesystemRestore is one volume of a Velero Restore, restored file by file from an HBR snapshot.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=fsr,categories=velero
// +kubebuilder:printcolumn:name="Phase",type=string,JSONPath=`.status.phase`
// +kubebuilder:printcolumn:name="Bytes",type=integer,format=int64,JSONPath=`.status.progress.bytesDone`,description="Bytes HBR has processed"
// +kubebuilder:printcolumn:name="Progress",type=string,JSONPath=`.status.progress.percent`
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.status.node`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Restore",type=string,JSONPath=`.spec.restore.name`,priority=1
// +kubebuilder:printcolumn:name="Claim Namespace",type=string,JSONPath=`.spec.target.claim.namespace`,priority=1
// +kubebuilder:printcolumn:name="Claim",type=string,JSONPath=`.spec.target.claim.name`,priority=1
// +kubebuilder:printcolumn:name="Snapshot",type=string,JSONPath=`.spec.source.snapshotID`,priority=1
type FilesystemRestore struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec FilesystemRestoreSpec `json:"spec"`
	// +optional
	Status FilesystemRestoreStatus `json:"status,omitempty"`
}

// FilesystemRestoreList is a list of FilesystemRestores.
//
// +kubebuilder:object:root=true
type FilesystemRestoreList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []FilesystemRestore `json:"items"`
}
