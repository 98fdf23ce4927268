package restore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

// sim plays the cluster's controllers for one round: the provisioner and PV controller bind claims, the
// scheduler and kubelet run pods and mount their volumes on node-a's filesystem.
func (w *world) sim(t *testing.T) {
	t.Helper()
	var claims corev1.PersistentVolumeClaimList
	require.NoError(t, w.c.List(ctx(t), &claims))
	for i := range claims.Items {
		if !w.noBinding {
			w.bind(t, &claims.Items[i])
		}
	}
	var pods corev1.PodList
	require.NoError(t, w.c.List(ctx(t), &pods))
	for i := range pods.Items {
		w.run(t, &pods.Items[i])
	}
}

// bind provisions a temporary claim's volume, and binds a claim to the volume pointed at it.
func (w *world) bind(t *testing.T, claim *corev1.PersistentVolumeClaim) {
	t.Helper()
	if claim.Status.Phase == corev1.ClaimBound {
		return
	}
	if claim.Labels[v1alpha1.TemporaryForLabel] != "" {
		pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "pv-" + claim.Name,
			Annotations: map[string]string{"pv.kubernetes.io/bound-by-controller": "yes"}},
			Spec: corev1.PersistentVolumeSpec{Capacity: claim.Spec.Resources.Requests, AccessModes: claim.Spec.AccessModes,
				PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimDelete, StorageClassName: *claim.Spec.StorageClassName,
				ClaimRef:               &corev1.ObjectReference{Kind: "PersistentVolumeClaim", Namespace: claim.Namespace, Name: claim.Name, UID: claim.UID},
				PersistentVolumeSource: corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: nasDriver, VolumeHandle: "nas-" + claim.Name}}},
			Status: corev1.PersistentVolumeStatus{Phase: corev1.VolumeBound}}
		require.NoError(t, w.c.Create(ctx(t), pv))
		pv.Status.Phase = corev1.VolumeBound
		require.NoError(t, w.c.Status().Update(ctx(t), pv))
		claim.Spec.VolumeName = pv.Name
		require.NoError(t, w.c.Update(ctx(t), claim))
		claim.Status.Phase = corev1.ClaimBound
		require.NoError(t, w.c.Status().Update(ctx(t), claim))
		return
	}
	if claim.Spec.VolumeName == "" || w.noTargetBinding {
		return
	}
	var pv corev1.PersistentVolume
	err := w.c.Get(ctx(t), types.NamespacedName{Name: claim.Spec.VolumeName}, &pv)
	if apierrors.IsNotFound(err) {
		return // a volume of another cluster, say
	}
	require.NoError(t, err)
	ref := pv.Spec.ClaimRef
	if ref == nil || ref.Namespace != claim.Namespace || ref.Name != claim.Name {
		return
	}
	ref.UID = claim.UID
	require.NoError(t, w.c.Update(ctx(t), &pv))
	pv.Status.Phase = corev1.VolumeBound
	require.NoError(t, w.c.Status().Update(ctx(t), &pv))
	claim.Status.Phase = corev1.ClaimBound
	require.NoError(t, w.c.Status().Update(ctx(t), claim))
}

// run schedules a pending pod whose claim is bound onto podNode and mounts the claim's volume there.
func (w *world) run(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	if pod.Status.Phase == corev1.PodRunning {
		return
	}
	var claim corev1.PersistentVolumeClaim
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Namespace: pod.Namespace, Name: pod.Spec.Volumes[0].PersistentVolumeClaim.ClaimName}, &claim))
	if claim.Status.Phase != corev1.ClaimBound {
		return
	}
	require.NotEmpty(t, pod.UID, "the API server gives every object a UID")
	pod.Spec.NodeName = w.podNode
	require.NoError(t, w.c.Update(ctx(t), pod))
	pod.Status.Phase = corev1.PodRunning
	require.NoError(t, w.c.Status().Update(ctx(t), pod))
	dir, err := kubelet.PodVolumeDir(kubelet.DefaultPodsDir, pod.UID, v1alpha1.VolumeSourceCSI, nasDriver, claim.Spec.VolumeName)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(filepath.Join(w.rootDir, dir), 0o755))
}
