package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

// podMounts is what the volume manager set up for one pod: its directory on its node.
type podMounts struct {
	node Node
	uid  string
}

// attachment is a disk the volume manager attached, and where its bytes are.
type attachment struct {
	node, dir string
}

// syncMounts plays the kubelets' volume managers: every pod running on one of the cluster's nodes gets
// its served volumes under the node's kubelet root; a pod that is gone or finished loses its pods/<uid>
// directory, and a disk no pod on its node uses any more is detached.
func (l *csiLayer) syncMounts(ctx context.Context) {
	pods, err := l.pods.List(labels.Everything())
	if err != nil {
		l.fail("pods", err)
		return
	}
	live := map[string]bool{}
	used := map[string]map[string]bool{} // disk ID -> nodes with a live pod that uses it
	for _, pod := range pods {
		node, ok := l.c.Node(pod.Spec.NodeName)
		if !ok || podFinished(pod) {
			continue
		}
		uid := string(pod.UID)
		live[uid] = true
		l.mounts[uid] = podMounts{node: node, uid: uid}
		for _, vol := range pod.Spec.Volumes {
			pv := l.podVolume(pod, vol)
			if pv == nil {
				continue
			}
			src, served, err := l.sourceOf(pv, node)
			if !served {
				continue
			}
			if err == nil && src.diskID != "" {
				if used[src.diskID] == nil {
					used[src.diskID] = map[string]bool{}
				}
				used[src.diskID][node.Name] = true
				src.backing, err = l.attach(ctx, pod, pv.Name, src.diskID, node)
			}
			var dir string
			if err == nil {
				dir, err = src.hostVolumeDir(node, pod.UID, pv.Name)
			}
			if err == nil {
				err = linkVolume(dir, src.backing)
			}
			if err != nil {
				l.fail("pod/"+uid+"/"+vol.Name, err)
			}
		}
	}
	for uid, m := range l.mounts {
		if live[uid] {
			continue
		}
		if err := os.RemoveAll(m.node.HostPath(filepath.Join(podsDir(m.node), uid))); err != nil {
			l.fail("pod/"+uid, err)
			continue
		}
		delete(l.mounts, uid)
		l.log.WithFields(map[string]any{"pod_uid": uid, "node": m.node.Name}).Info("pod volumes removed")
	}
	l.detachUnused(ctx, used)
}

// podFinished: the kubelet tears a pod's volumes down once it is terminated or being deleted.
func podFinished(pod *corev1.Pod) bool {
	return pod.DeletionTimestamp != nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// claimName is the claim behind a pod volume: its persistentVolumeClaim, or the claim of a generic
// ephemeral volume (named <pod>-<volume>).
func claimName(pod *corev1.Pod, vol corev1.Volume) string {
	switch {
	case vol.PersistentVolumeClaim != nil:
		return vol.PersistentVolumeClaim.ClaimName
	case vol.Ephemeral != nil:
		return pod.Name + "-" + vol.Name
	}
	return ""
}

// podVolume is the bound PV of a pod's claim volume, or nil.
func (l *csiLayer) podVolume(pod *corev1.Pod, vol corev1.Volume) *corev1.PersistentVolume {
	name := claimName(pod, vol)
	if name == "" {
		return nil
	}
	pvc, err := l.claims.PersistentVolumeClaims(pod.Namespace).Get(name)
	if err != nil || pvc.Spec.VolumeName == "" {
		return nil
	}
	pv, err := l.volumes.Get(pvc.Spec.VolumeName)
	if err != nil {
		return nil
	}
	return pv
}

// attach attaches a disk to the pod's node (once) and returns its content directory. A disk attached
// to another node makes the pod wait, with the event a kubelet records.
func (l *csiLayer) attach(ctx context.Context, pod *corev1.Pod, pvName, diskID string, node Node) (string, error) {
	if a, ok := l.attached[diskID]; ok && a.node == node.Name {
		return a.dir, nil
	}
	cl := l.c.session.Cloud()
	if cl == nil {
		l.event(ctx, podSubject(pod), corev1.EventTypeWarning, "FailedAttachVolume",
			fmt.Sprintf("AttachVolume.Attach failed for volume %q: %v", pvName, errNoCloud))
		return "", errNoCloud
	}
	disk, err := cl.Disk(ctx, diskID)
	if err == nil && disk.Status == ecs.DiskCreating {
		return "", fmt.Errorf("disk %s is still %s", diskID, disk.Status) // a wait, not news
	}
	if err == nil && disk.Zone != node.Zone {
		err = fmt.Errorf("disk %s is in zone %s, node %s in zone %s", diskID, disk.Zone, node.Name, node.Zone)
	}
	if err == nil {
		disk, err = cl.AttachDisk(ctx, diskID, node.Name)
	}
	switch {
	case errors.Is(err, ErrDiskAttachedElsewhere):
		l.event(ctx, podSubject(pod), corev1.EventTypeWarning, "FailedAttachVolume", fmt.Sprintf(
			"Multi-Attach error for volume %q Volume is already exclusively attached to one node and can't be attached to another", pvName))
		return "", err
	case err != nil:
		l.event(ctx, podSubject(pod), corev1.EventTypeWarning, "FailedAttachVolume",
			fmt.Sprintf("AttachVolume.Attach failed for volume %q: %v", pvName, err))
		return "", err
	}
	l.forget(pod.UID, "FailedAttachVolume")
	l.attached[diskID] = attachment{node: node.Name, dir: disk.DataDir}
	l.event(ctx, podSubject(pod), corev1.EventTypeNormal, "SuccessfulAttachVolume",
		fmt.Sprintf("AttachVolume.Attach succeeded for volume %q (disk %s, node %s)", pvName, diskID, node.Name))
	return disk.DataDir, nil
}

// detachUnused detaches the disks this layer attached that no live pod on that node uses.
func (l *csiLayer) detachUnused(ctx context.Context, used map[string]map[string]bool) {
	cl := l.c.session.Cloud()
	for id, a := range l.attached {
		if used[id][a.node] || cl == nil {
			continue
		}
		if _, err := cl.DetachDisk(ctx, id, a.node); err != nil {
			l.fail("disk/"+id, err)
			continue
		}
		delete(l.attached, id)
		l.log.WithFields(map[string]any{"disk_id": id, "node": a.node}).Info("disk detached")
	}
}

// linkVolume makes path a symbolic link to target, the volume's bytes. Something else at path (a
// directory a test made) is left alone and reported.
func linkVolume(path, target string) error {
	if target == "" {
		return fmt.Errorf("no backing for %s", path)
	}
	if err := os.MkdirAll(target, 0o755); err != nil {
		return fmt.Errorf("create volume backing %s: %w", target, err)
	}
	if cur, err := os.Readlink(path); err == nil {
		if cur == target {
			return nil
		}
		if err := os.Remove(path); err != nil {
			return err
		}
	} else if _, statErr := os.Lstat(path); statErr == nil {
		return fmt.Errorf("%s exists and is not a link the layer made", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return fmt.Errorf("create pod volume dir: %w", err)
	}
	if err := os.Symlink(target, path); err != nil {
		return fmt.Errorf("mount %s: %w", path, err)
	}
	return nil
}
