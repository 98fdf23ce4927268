package v1alpha1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
)

// OwnerRef names the Velero Backup or Restore a record belongs to. The UID tells apart two of the same
// name (a backup deleted and created again while HBR still holds the first one's snapshot).
type OwnerRef struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// UID of the Backup or Restore.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=128
	UID types.UID `json:"uid"`
}

// ClaimRef names a PersistentVolumeClaim.
type ClaimRef struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespace string `json:"namespace"`
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// UID of the claim; empty where it is not known yet (a claim a restore is about to create).
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=128
	UID types.UID `json:"uid,omitempty"`
}

// VolumeSource is how the kubelet mounts a volume, which decides the directory HBR's agent reads on the
// node: <kubelet root>/pods/<pod UID>/volumes/<plugin>/<PV name>[/mount].
//
// +kubebuilder:validation:Enum=CSI;FlexVolume;NFS;Local
type VolumeSource string

const (
	// VolumeSourceCSI: spec.csi, kubelet plugin kubernetes.io/csi, files under .../mount.
	VolumeSourceCSI VolumeSource = "CSI"
	// VolumeSourceFlexVolume: spec.flexVolume; the driver (e.g. alicloud/nas) is the kubelet plugin.
	VolumeSourceFlexVolume VolumeSource = "FlexVolume"
	// VolumeSourceNFS: the in-tree spec.nfs, kubelet plugin kubernetes.io/nfs.
	VolumeSourceNFS VolumeSource = "NFS"
	// VolumeSourceLocal: spec.local, kubelet plugin kubernetes.io/local-volume.
	VolumeSourceLocal VolumeSource = "Local"
)

// PersistentVolumeInfo is what a record keeps of a claim's PersistentVolume: enough to find the
// volume's files on a node and to tell, at restore time, what kind of volume the data came from.
//
// +kubebuilder:validation:XValidation:rule="(self.source in ['CSI', 'FlexVolume']) == (has(self.driver) && size(self.driver) > 0)",message="driver is required for CSI and FlexVolume sources and empty for in-tree ones"
type PersistentVolumeInfo struct {
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
	// UID of the PersistentVolume.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=128
	UID    types.UID    `json:"uid,omitempty"`
	Source VolumeSource `json:"source"`
	// Driver is the CSI driver (e.g. nasplugin.csi.alibabacloud.com, or another cloud's such as
	// ebs.csi.aws.com) or the FlexVolume driver (alicloud/nas).
	// +optional
	// +kubebuilder:validation:MaxLength=253
	Driver string `json:"driver,omitempty"`
	// +optional
	// +kubebuilder:validation:MaxLength=253
	StorageClassName string            `json:"storageClassName,omitempty"`
	Capacity         resource.Quantity `json:"capacity"`
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=4
	// +listType=set
	// +kubebuilder:validation:items:Enum=ReadWriteOnce;ReadOnlyMany;ReadWriteMany;ReadWriteOncePod
	AccessModes []corev1.PersistentVolumeAccessMode `json:"accessModes"`
	// VolumeMode is always Filesystem: HBR reads files, and Block volumes are refused before a record
	// is made.
	// +kubebuilder:validation:Enum=Filesystem
	// +kubebuilder:default=Filesystem
	// +optional
	VolumeMode corev1.PersistentVolumeMode `json:"volumeMode,omitempty"`
}

// PodRef is the pod that mounts the volume for HBR's agent on its node.
type PodRef struct {
	// +kubebuilder:validation:MinLength=1
	Namespace string `json:"namespace"`
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// UID of the pod.
	// +optional
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:MaxLength=128
	UID types.UID `json:"uid,omitempty"`
	// Temporary is true for a pod the controller started because no Running pod mounted the claim;
	// it is deleted when the record is terminal.
	// +optional
	Temporary bool `json:"temporary,omitempty"`
}

// Progress is HBR's view of a job, copied as the controller polls it.
type Progress struct {
	// BytesDone is how many of the volume's bytes HBR has processed.
	// +optional
	// +kubebuilder:validation:Minimum=0
	BytesDone int64 `json:"bytesDone,omitempty"`
	// BytesTotal is the size of the files HBR found to process.
	// +optional
	// +kubebuilder:validation:Minimum=0
	BytesTotal int64 `json:"bytesTotal,omitempty"`
	// ActualBytes is what HBR wrote to the vault (a backup) or to the volume (a restore): for an
	// incremental backup, about the changed bytes.
	// +optional
	// +kubebuilder:validation:Minimum=0
	ActualBytes int64 `json:"actualBytes,omitempty"`
	// Percent is HBR's progress as the printer column shows it, e.g. "42%".
	// +optional
	// +kubebuilder:validation:Pattern=`^(100|[1-9]?[0-9])%$`
	Percent string `json:"percent,omitempty"`
}
