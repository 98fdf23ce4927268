package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// volumePathTimeout bounds VolumePath when its context has no deadline.
const volumePathTimeout = 2 * time.Minute

// VolumePath waits until the pod runs on one of the cluster's nodes and its volume (a claim the CSI
// layer serves) is mounted, and returns the host path of the mount: what the node sees at
// <kubelet root>/pods/<uid>/volumes/<plugin>/<pv>[/mount]. Tests write and read the volume's files there.
func (c *Cluster) VolumePath(ctx context.Context, namespace, pod, volume string) (string, error) {
	if c.csi == nil {
		return "", fmt.Errorf("cluster %s: no CSI layer", c.Name)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, volumePathTimeout)
		defer cancel()
	}
	for {
		path, waiting, err := c.volumePath(ctx, namespace, pod, volume)
		if err != nil || waiting == "" {
			return path, err
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("volume %s of pod %s/%s (cluster %s): %s: %w", volume, namespace, pod, c.Name, waiting, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// volumePath returns the mount's host path, or what it still waits for, or an error that waiting
// cannot cure.
func (c *Cluster) volumePath(ctx context.Context, namespace, name, volume string) (path, waiting string, err error) {
	var pod corev1.Pod
	if err := c.Client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &pod); err != nil {
		return "", "read pod: " + err.Error(), nil
	}
	var vol *corev1.Volume
	for i := range pod.Spec.Volumes {
		if pod.Spec.Volumes[i].Name == volume {
			vol = &pod.Spec.Volumes[i]
		}
	}
	switch {
	case vol == nil:
		return "", "", fmt.Errorf("pod %s/%s has no volume %q", namespace, name, volume)
	case claimName(&pod, *vol) == "":
		return "", "", fmt.Errorf("volume %q of pod %s/%s is not a claim", volume, namespace, name)
	case pod.Status.Phase != corev1.PodRunning:
		return "", fmt.Sprintf("pod is %s on node %q", pod.Status.Phase, pod.Spec.NodeName), nil
	}
	node, ok := c.Node(pod.Spec.NodeName)
	if !ok {
		return "", "", fmt.Errorf("pod %s/%s runs on %q, not a node of cluster %s", namespace, name, pod.Spec.NodeName, c.Name)
	}
	var pvc corev1.PersistentVolumeClaim
	if err := c.Client.Get(ctx, types.NamespacedName{Namespace: namespace, Name: claimName(&pod, *vol)}, &pvc); err != nil {
		return "", "read claim: " + err.Error(), nil
	}
	if pvc.Spec.VolumeName == "" {
		return "", fmt.Sprintf("claim %s is %s", pvc.Name, pvc.Status.Phase), nil
	}
	var pv corev1.PersistentVolume
	if err := c.Client.Get(ctx, types.NamespacedName{Name: pvc.Spec.VolumeName}, &pv); err != nil {
		return "", "read PV: " + err.Error(), nil
	}
	src, served, err := c.csi.sourceOf(&pv, node)
	switch {
	case err != nil:
		return "", "", err
	case !served:
		return "", "", fmt.Errorf("PV %s of claim %s is not a volume the CSI layer serves", pv.Name, pvc.Name)
	}
	if path, err = src.hostVolumeDir(node, pod.UID, pv.Name); err != nil {
		return "", "", err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return "", "volume " + pv.Name + " is not mounted yet (see the pod's events)", nil
	} else if err != nil {
		return "", "", err
	}
	return path, "", nil
}
