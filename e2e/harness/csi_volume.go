package harness

import (
	"fmt"
	"math"
	"path"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

// Annotations the provisioning protocol between the scheduler, the PV controller and a provisioner uses.
const (
	annSelectedNode  = "volume.kubernetes.io/selected-node"
	annProvisionedBy = "pv.kubernetes.io/provisioned-by"
)

// defaultFSType is what ACK's disk driver formats a disk with when its class names no fsType.
const defaultFSType = "ext4"

// volumeSource is how a node mounts a PV: the kubelet volume plugin (which decides the directory,
// as pkg/kubelet composes it for the controller) and its driver, and the bytes behind it: a disk to
// attach, whose content directory the emulator names, or a directory known at once.
type volumeSource struct {
	source  v1alpha1.VolumeSource
	driver  string
	diskID  string
	backing string
}

// sourceOf says how the layer serves pv on node; ok is false for a PV the layer does not serve.
func (l *csiLayer) sourceOf(pv *corev1.PersistentVolume, node Node) (src volumeSource, ok bool, err error) {
	storage := filepath.Join(l.c.session.Dir, "storage")
	switch {
	case pv.Spec.CSI != nil:
		d, served := l.drivers[pv.Spec.CSI.Driver]
		if !served {
			return src, false, nil
		}
		src = volumeSource{source: v1alpha1.VolumeSourceCSI, driver: d.Name}
		if d.Kind == CSIDisk {
			src.diskID = pv.Spec.CSI.VolumeHandle
			return src, true, nil
		}
		src.backing, err = below(storage, d.Name, pv.Spec.CSI.VolumeHandle)
		return src, true, err
	case pv.Spec.NFS != nil:
		src = volumeSource{source: v1alpha1.VolumeSourceNFS}
		src.backing, err = below(storage, "nfs", pv.Spec.NFS.Server, pv.Spec.NFS.Path)
		return src, true, err
	case pv.Spec.Local != nil:
		return volumeSource{source: v1alpha1.VolumeSourceLocal, backing: node.HostPath(pv.Spec.Local.Path)}, true, nil
	}
	return src, false, nil
}

// below joins parts under root and refuses a result outside it: a handle or an NFS path is data.
func below(root string, parts ...string) (string, error) {
	for _, p := range parts {
		if p == "" {
			return "", fmt.Errorf("empty path element under %s", root)
		}
	}
	p := filepath.Join(append([]string{root}, parts...)...)
	if rel, err := filepath.Rel(root, p); err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("%q leaves %s", strings.Join(parts, "/"), root)
	}
	return p, nil
}

// podsDir is the node path of the kubelet's pods directory, what the controller's --kubelet-root-path
// (ACK's KUBELET_ROOT_PATH) names.
func podsDir(node Node) string { return path.Join(node.KubeletRoot, "pods") }

// hostVolumeDir is where on this machine the kubelet of node mounts PV pvName for pod podUID: the node
// path pkg/kubelet composes, the same the controller hands HBR's agent.
func (src volumeSource) hostVolumeDir(node Node, podUID types.UID, pvName string) (string, error) {
	dir, err := kubelet.PodVolumeDir(podsDir(node), podUID, src.source, src.driver, pvName)
	if err != nil {
		return "", err
	}
	return node.HostPath(dir), nil
}

// diskParams reads a disk class: the first category of its "type" list, the performance level, and
// the size in GiB for a request, rounded up and at least the category's minimum.
func diskParams(class *storagev1.StorageClass, request resource.Quantity) (category, pl string, gib int32, err error) {
	category = ecs.CategoryESSD
	if t := strings.TrimSpace(strings.Split(class.Parameters["type"], ",")[0]); t != "" && t != "available" {
		category = t // "available" asks ACK for whichever ESSD-first category a zone sells
	}
	pl = class.Parameters["performanceLevel"]
	if class.Parameters["performanceLevel"] == "" && category == ecs.CategoryESSD {
		pl = "PL1"
	}
	min, ok := ecs.MinDiskSizeGiB(category, pl)
	if !ok {
		return "", "", 0, fmt.Errorf("storage class %s: disk category %q with performance level %q is not one ECS sells", class.Name, category, pl)
	}
	const giB = 1 << 30
	want := (request.Value() + giB - 1) / giB
	if want > math.MaxInt32 {
		return "", "", 0, fmt.Errorf("request %s is too large for a disk", request.String())
	}
	return category, pl, max(int32(want), min), nil
}

// fsType is the filesystem a class asks for.
func fsType(class *storagev1.StorageClass) string {
	for _, k := range []string{"csi.storage.k8s.io/fstype", "fsType", "fstype"} {
		if v := class.Parameters[k]; v != "" {
			return v
		}
	}
	return defaultFSType
}

// provisionedPV is the PV a provisioner makes for claim: bound to it by claimRef, with the class's
// reclaim policy, mount options and name, and for zonal drivers the zone in labels and nodeAffinity.
func provisionedPV(pvc *corev1.PersistentVolumeClaim, class *storagev1.StorageClass, d CSIDriver, name, handle string,
	capacity resource.Quantity, region, zone string, attrs map[string]string) *corev1.PersistentVolume {
	reclaim := corev1.PersistentVolumeReclaimDelete
	if class.ReclaimPolicy != nil {
		reclaim = *class.ReclaimPolicy
	}
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{annProvisionedBy: d.Name}},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: capacity},
			AccessModes:                   pvc.Spec.AccessModes,
			PersistentVolumeReclaimPolicy: reclaim,
			StorageClassName:              class.Name,
			MountOptions:                  class.MountOptions,
			VolumeMode:                    pvc.Spec.VolumeMode,
			ClaimRef: &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: pvc.Namespace,
				Name: pvc.Name, UID: pvc.UID, ResourceVersion: pvc.ResourceVersion},
			PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{
				Driver: d.Name, VolumeHandle: handle, VolumeAttributes: attrs}},
		},
	}
	if d.Kind == CSIShared {
		return pv
	}
	pv.Spec.CSI.FSType = fsType(class)
	pv.Labels = map[string]string{corev1.LabelTopologyZone: zone, corev1.LabelTopologyRegion: region}
	pv.Spec.NodeAffinity = &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
		MatchExpressions: []corev1.NodeSelectorRequirement{{Key: d.TopologyKey, Operator: corev1.NodeSelectorOpIn, Values: []string{zone}}},
	}}}}
	return pv
}
