package restore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

func TestRestoresFilesAndHandsTheVolumeToTheClaim(t *testing.T) {
	w := newWorld(t, clock.RealClock{})
	w.newRecord(t)

	// The data is in before Velero has created the claim: the volume waits for it, held at Retain.
	rec := w.until(t, "waiting for its claim", func(r *v1alpha1.FilesystemRestore) bool {
		return r.Status.Message == "waiting for claim shop/data"
	})
	assert.Equal(t, v1alpha1.PhaseInProgress, rec.Status.Phase)
	require.NotNil(t, rec.Status.HBR)
	assert.NotNil(t, rec.Status.HBR.CreatingSince)
	assert.NotEmpty(t, rec.Status.HBR.RestoreID)
	assert.Equal(t, w.reg.target.ContainerClusterID, rec.Status.HBR.ContainerClusterID)
	assert.Equal(t, nodeName, rec.Status.Node)
	assert.Equal(t, "pv-r1-7d1e4c2a-tmp", rec.Status.VolumeName)
	pv := w.pv(t, rec.Status.VolumeName)
	assert.Equal(t, corev1.PersistentVolumeReclaimRetain, pv.Spec.PersistentVolumeReclaimPolicy)
	assert.Equal(t, "Delete", pv.Annotations[v1alpha1.ReclaimPolicyAnnotation])
	w.assertNoTemporaryObjects(t)

	w.targetClaim(t, rec.Name)
	rec = w.until(t, "completed", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase.IsTerminal() })
	assert.Equal(t, v1alpha1.PhaseCompleted, rec.Status.Phase, rec.Status.Message)
	assert.Equal(t, w.snapshot.BytesTotal, rec.Status.Progress.BytesDone)
	assert.Equal(t, "100%", rec.Status.Progress.Percent)
	assert.NotNil(t, rec.Status.CompletionTimestamp)
	for _, c := range []string{v1alpha1.ConditionVolumeMounted, v1alpha1.ConditionJobCreated, v1alpha1.ConditionVolumeBound} {
		assert.True(t, meta.IsStatusConditionTrue(rec.Status.Conditions, c), c)
	}

	// The files are where the temporary pod had the volume mounted.
	dir, err := kubelet.PodVolumeDir(kubelet.DefaultPodsDir, rec.Status.Pod.UID, v1alpha1.VolumeSourceCSI, nasDriver, rec.Status.VolumeName)
	require.NoError(t, err)
	for name, content := range files {
		got, err := os.ReadFile(filepath.Join(w.rootDir, dir, name))
		require.NoError(t, err, name)
		assert.Equal(t, content, string(got), name)
	}
	pv = w.pv(t, rec.Status.VolumeName)
	assert.Equal(t, corev1.PersistentVolumeReclaimDelete, pv.Spec.PersistentVolumeReclaimPolicy, "the reclaim policy is back")
	assert.NotContains(t, pv.Annotations, v1alpha1.ReclaimPolicyAnnotation)
	assert.NotContains(t, pv.Annotations, "pv.kubernetes.io/bound-by-controller")
	assert.Equal(t, rec.Name, pv.Labels[v1alpha1.FilesystemRestoreLabel])
	assert.Equal(t, "shop/data", pv.Spec.ClaimRef.Namespace+"/"+pv.Spec.ClaimRef.Name)
	var claim corev1.PersistentVolumeClaim
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Namespace: "shop", Name: "data"}, &claim))
	assert.Equal(t, corev1.ClaimBound, claim.Status.Phase)
	assert.Equal(t, pv.Name, claim.Spec.VolumeName)
	w.assertNoTemporaryObjects(t)
	assert.Equal(t, 1, w.restoreJobs(t))
	assert.Contains(t, w.drainEvents(), "Normal Completed restore of the files Completed")

	// Looked at again, a finished record does nothing more.
	w.reconcile(t)
	assert.Equal(t, rec.Status, w.record(t).Status)
}

func TestTemporaryObjectsAreTheRecords(t *testing.T) {
	w := newWorld(t, clock.RealClock{})
	w.noBinding = true
	rec := w.newRecord(t)
	w.until(t, "waiting for its claim", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Message != "" })

	var claim corev1.PersistentVolumeClaim
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Namespace: veleroNS, Name: "r1-7d1e4c2a-tmp"}, &claim))
	assert.Equal(t, "alibabacloud-cnfs-nas", *claim.Spec.StorageClassName)
	assert.Equal(t, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, claim.Spec.AccessModes)
	assert.Equal(t, "8Gi", claim.Spec.Resources.Requests.Storage().String())
	assert.Equal(t, rec.Name, claim.Labels[v1alpha1.TemporaryForLabel])
	require.Len(t, claim.OwnerReferences, 1)
	assert.Equal(t, rec.UID, claim.OwnerReferences[0].UID)

	var pod corev1.Pod
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Namespace: veleroNS, Name: "r1-7d1e4c2a-mount"}, &pod))
	assert.Equal(t, rec.Name, pod.Labels[v1alpha1.TemporaryForLabel])
	assert.Equal(t, "registry.k8s.io/pause:3.10", pod.Spec.Containers[0].Image)
	assert.Equal(t, []string{nodeName}, pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields[0].Values,
		"virtual nodes are never eligible")
	assert.True(t, *pod.Spec.SecurityContext.RunAsNonRoot, "the restricted mount pod of controller/internal/placement")
	assert.Equal(t, "r1-7d1e4c2a-tmp", pod.Spec.Volumes[0].PersistentVolumeClaim.ClaimName)
	assert.False(t, pod.Spec.Volumes[0].PersistentVolumeClaim.ReadOnly, "a restore writes")

	cond := meta.FindStatusCondition(w.record(t).Status.Conditions, v1alpha1.ConditionVolumeMounted)
	require.NotNil(t, cond)
	assert.Equal(t, metav1.ConditionFalse, cond.Status)
	assert.Equal(t, "waiting for claim velero/r1-7d1e4c2a-tmp to be bound", cond.Message)
}

// A restart after the creating-since time was written but before the job's ID was: the job an earlier
// attempt made is found, not made again.
func TestOneJobAfterALostAnswer(t *testing.T) {
	w := newWorld(t, clock.RealClock{})
	w.newRecord(t)
	rec := w.until(t, "started", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase == v1alpha1.PhaseInProgress })
	id := rec.Status.HBR.RestoreID

	rec.Status.Phase, rec.Status.HBR.RestoreID = v1alpha1.PhasePreparing, ""
	require.NoError(t, w.c.Status().Update(ctx(t), rec))
	rec = w.until(t, "started again", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase == v1alpha1.PhaseInProgress })
	assert.Equal(t, id, rec.Status.HBR.RestoreID)
	assert.Equal(t, 1, w.restoreJobs(t))
}

func TestCancel(t *testing.T) {
	t.Run("before the job", func(t *testing.T) {
		w := newWorld(t, clock.RealClock{})
		w.noBinding = true
		w.newRecord(t)
		w.until(t, "preparing", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Message != "" })
		w.cancel(t)
		rec := w.until(t, "canceled", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase.IsTerminal() })
		assert.Equal(t, v1alpha1.PhaseCanceled, rec.Status.Phase)
		w.assertNoTemporaryObjects(t)
		assert.Zero(t, w.restoreJobs(t))
	})
	t.Run("while HBR restores", func(t *testing.T) {
		w := newWorld(t, clock.RealClock{})
		admin(t, w.srv, "POST", "/_admin/hbr/settings", map[string]any{"throughput": "1KiB/s"}, nil)
		w.newRecord(t)
		w.until(t, "started", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase == v1alpha1.PhaseInProgress })
		w.cancel(t)
		w.reconcile(t)
		assert.Equal(t, v1alpha1.PhaseCanceling, w.record(t).Status.Phase)
		rec := w.until(t, "canceled", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase.IsTerminal() })
		assert.Equal(t, v1alpha1.PhaseCanceled, rec.Status.Phase)
		w.assertNoTemporaryObjects(t)
		job, err := w.hbr.DescribeRestoreJob(ctx(t), region, w.reg.target.VaultID, rec.Status.HBR.RestoreID)
		require.NoError(t, err)
		assert.Equal(t, "CANCELED", string(job.Status))
	})
}

func (w *world) cancel(t *testing.T) {
	t.Helper()
	rec := w.record(t)
	rec.Spec.Cancel = true
	require.NoError(t, w.c.Update(ctx(t), rec))
}

func (w *world) pv(t *testing.T, name string) *corev1.PersistentVolume {
	t.Helper()
	var pv corev1.PersistentVolume
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Name: name}, &pv))
	return &pv
}

func (w *world) assertNoTemporaryObjects(t *testing.T) {
	t.Helper()
	for _, obj := range []client.Object{&corev1.Pod{}, &corev1.PersistentVolumeClaim{}} {
		name := "r1-7d1e4c2a-mount"
		if _, ok := obj.(*corev1.PersistentVolumeClaim); ok {
			name = "r1-7d1e4c2a-tmp"
		}
		err := w.c.Get(ctx(t), types.NamespacedName{Namespace: veleroNS, Name: name}, obj)
		assert.True(t, apierrors.IsNotFound(err), "%s: %v", name, err)
	}
}

func (w *world) drainEvents() []string {
	var out []string
	for {
		select {
		case e := <-w.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}
