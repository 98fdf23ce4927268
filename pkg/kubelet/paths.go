package kubelet

import (
	"fmt"
	"path"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// DefaultRoot is the kubelet's --root-dir when nothing changes it.
const DefaultRoot = "/var/lib/kubelet"

// DefaultPodsDir is <DefaultRoot>/pods, the form ACK Backup Center's KUBELET_ROOT_PATH takes.
const DefaultPodsDir = DefaultRoot + "/pods"

// Kubelet volume plugin directories, as the kubelet escapes plugin names ("/" becomes "~").
const (
	pluginCSI   = "kubernetes.io~csi"
	pluginNFS   = "kubernetes.io~nfs"
	pluginLocal = "kubernetes.io~local-volume"
	// csiMountDir is where the CSI plugin mounts a volume under its directory; in-tree plugins mount
	// the directory itself.
	csiMountDir = "mount"
)

// Source tells how the kubelet mounts a PV, which decides its directory: CSI, FlexVolume (with its
// driver), or the in-tree NFS and local plugins. Any other source is an error that names it.
func Source(pv *corev1.PersistentVolume) (v1alpha1.VolumeSource, string, error) {
	src := pv.Spec.PersistentVolumeSource
	switch {
	case src.CSI != nil:
		return v1alpha1.VolumeSourceCSI, src.CSI.Driver, nil
	case src.FlexVolume != nil:
		return v1alpha1.VolumeSourceFlexVolume, src.FlexVolume.Driver, nil
	case src.NFS != nil:
		return v1alpha1.VolumeSourceNFS, "", nil
	case src.Local != nil:
		return v1alpha1.VolumeSourceLocal, "", nil
	}
	return "", "", fmt.Errorf("persistentvolume %s: only CSI, FlexVolume, NFS and local volumes are under the kubelet's pods directory", pv.Name)
}

// PodVolumeDir is where the kubelet mounts PV pvName for the pod podUID:
// <podsDir>/<pod UID>/volumes/<plugin>/<PV name>, plus /mount for CSI. podsDir is the kubelet's
// <root-dir>/pods (DefaultPodsDir unless the kubelet runs with another root).
func PodVolumeDir(podsDir string, podUID types.UID, source v1alpha1.VolumeSource, driver, pvName string) (string, error) {
	if !path.IsAbs(podsDir) {
		return "", fmt.Errorf("kubelet pods directory %q is not an absolute path", podsDir)
	}
	if podUID == "" || pvName == "" || strings.Contains(string(podUID), "/") || strings.Contains(pvName, "/") {
		return "", fmt.Errorf("pod UID %q and persistentvolume name %q must be non-empty names", podUID, pvName)
	}
	var plugin string
	switch source {
	case v1alpha1.VolumeSourceCSI:
		return path.Join(podsDir, string(podUID), "volumes", pluginCSI, pvName, csiMountDir), nil
	case v1alpha1.VolumeSourceFlexVolume:
		if driver == "" || strings.Count(driver, "/") > 1 {
			return "", fmt.Errorf("flexVolume driver %q is not <vendor>/<driver>", driver)
		}
		plugin = strings.ReplaceAll(driver, "/", "~")
	case v1alpha1.VolumeSourceNFS:
		plugin = pluginNFS
	case v1alpha1.VolumeSourceLocal:
		plugin = pluginLocal
	default:
		return "", fmt.Errorf("volume source %q has no kubelet directory", source)
	}
	return path.Join(podsDir, string(podUID), "volumes", plugin, pvName), nil
}
