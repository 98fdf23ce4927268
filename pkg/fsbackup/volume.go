package fsbackup

import (
	"slices"

	corev1api "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	velerov1api "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/util/boolptr"
	podvolumeutil "github.com/vmware-tanzu/velero/pkg/util/podvolume"
)

// veleroFSBackupPods names the first pod whose volume of this claim Velero's opt-in/opt-out fs-backup
// takes, "" when none does. It is Velero's legacy rule (volume policies were asked before): with
// defaultVolumesToFsBackup every volume unless the pod's backup-volumes-excludes lists it, otherwise
// only those its backup-volumes lists, both read by Velero's own annotation parsers.
//
// For a disk this is Velero's snapshot rule, which counts pods in any phase. For any other volume it
// is whether Velero's fs-backup really copies it: only from a Running pod, and never with
// snapshotMoveData, which keeps claims out of fs-backup. Anything else falls to HBR rather than to
// nobody.
func veleroFSBackupPods(pods []corev1api.Pod, pvc *corev1api.PersistentVolumeClaim, backup *velerov1api.Backup, disk bool) string {
	if !disk && boolptr.IsSetToTrue(backup.Spec.SnapshotMoveData) {
		return ""
	}
	byDefault := boolptr.IsSetToTrue(backup.Spec.DefaultVolumesToFsBackup)
	for i := range pods {
		pod := &pods[i]
		if pod.Namespace != pvc.Namespace || (!disk && pod.Status.Phase != corev1api.PodRunning) {
			continue
		}
		for _, vol := range pod.Spec.Volumes {
			if vol.PersistentVolumeClaim == nil || vol.PersistentVolumeClaim.ClaimName != pvc.Name {
				continue
			}
			if byDefault && !slices.Contains(podvolumeutil.GetVolumesToExclude(pod), vol.Name) ||
				!byDefault && slices.Contains(podvolumeutil.GetVolumesToBackup(pod), vol.Name) {
				return pod.Namespace + "/" + pod.Name
			}
		}
	}
	return ""
}

// sourceOf names the kind of a PV's volume source: "csi <driver>", "flexVolume <driver>", or the source's
// field name ("nfs", "local", "hostPath", "cephfs", ...).
func sourceOf(pv *corev1api.PersistentVolume) string {
	src := pv.Spec.PersistentVolumeSource
	switch {
	case src.CSI != nil:
		return "csi " + src.CSI.Driver
	case src.FlexVolume != nil:
		return "flexVolume " + src.FlexVolume.Driver
	}
	// Exactly one source field is set on a valid PV; its JSON name is the kind.
	fields, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&src)
	if err != nil || len(fields) == 0 {
		return "unknown"
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0]
}
