package backup_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/backup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/testenv"
	emuhbr "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// deleteRecord deletes the record as Kubernetes' garbage collector does when its Backup goes, and
// reconciles until the finalizer lets it go.
func (w *world) deleteRecord(t *testing.T, r *backup.Reconciler, name string) {
	t.Helper()
	require.NoError(t, w.c.Delete(context.Background(), w.get(t, name)))
	require.Eventually(t, func() bool {
		_, _ = r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: testenv.Namespace, Name: name}})
		var fsb v1alpha1.FilesystemBackup
		err := w.c.Get(context.Background(), types.NamespacedName{Namespace: testenv.Namespace, Name: name}, &fsb)
		return apierrors.IsNotFound(err)
	}, 30*time.Second, 10*time.Millisecond)
}

func TestDeletionDeletesTheSnapshotOnlyWhenAsked(t *testing.T) {
	tests := []struct {
		name     string
		annotate bool
		// source is the record's source-cluster label: "" for records made before clusters shared vaults.
		source       string
		deleteVault  bool
		wantSnaps    int
		wantEvent    string
		wantNoEvents string
		wantLog      string
	}{
		{name: "annotated by the delete item action", annotate: true, wantSnaps: 0, wantEvent: "Normal SnapshotDeleted deleted HBR snapshot "},
		{name: "deleted otherwise: left to retention", annotate: false, wantSnaps: 1, wantNoEvents: "SnapshotDeleted"},
		{name: "vault gone: reported, record released", annotate: true, deleteVault: true, wantSnaps: 0,
			wantEvent: "Warning SnapshotDeleteFailed HBR snapshot "},
		{name: "made in this cluster: deleted", annotate: true, source: testenv.Identity, wantSnaps: 0,
			wantEvent: "Normal SnapshotDeleted deleted HBR snapshot "},
		{name: "made by another cluster: kept for it, record released", annotate: true, source: "uid-of-cluster-a", wantSnaps: 1,
			wantEvent: "Normal SnapshotKept HBR snapshot ", wantNoEvents: "SnapshotDeleted",
			wantLog: "HBR snapshot was made by another cluster: kept for it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, emuhbr.Unlimited, true)
			r := w.reconciler(t, w.c)
			w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
			w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"a.txt": "alpha"})
			w.createRecord(t, dataClaim, false)
			w.drive(t, r, dataClaim.record(), terminal)
			fsb := w.get(t, dataClaim.record())
			require.Equal(t, v1alpha1.PhaseCompleted, fsb.Status.Phase, fsb.Status.Message)
			require.Len(t, w.e.State().Snapshots, 1)
			if tt.annotate {
				fsb.Annotations = map[string]string{v1alpha1.DeleteSnapshotAnnotation: "true"}
			}
			if tt.source != "" {
				fsb.Labels[v1alpha1.SourceClusterKey] = tt.source
			}
			require.NoError(t, w.c.Update(context.Background(), fsb))
			if tt.deleteVault {
				require.NoError(t, w.e.Srv.HBR().DeleteVault(fsb.Status.HBR.VaultID))
			}
			w.eventsOf()

			w.deleteRecord(t, r, dataClaim.record())

			assert.Len(t, w.e.State().Snapshots, tt.wantSnaps)
			events := strings.Join(w.eventsOf(), "\n")
			if tt.wantEvent != "" {
				assert.Contains(t, events, tt.wantEvent+fsb.Status.HBR.SnapshotID)
			}
			if tt.wantNoEvents != "" {
				assert.NotContains(t, events, tt.wantNoEvents)
			}
			if tt.source != "" && tt.source != testenv.Identity {
				assert.Contains(t, events, " of vault "+fsb.Status.HBR.VaultID+" was made by cluster "+tt.source+": kept for it")
			}
			if tt.wantLog != "" {
				assert.True(t, logged(w.e, tt.wantLog), "log %q", tt.wantLog)
			}
		})
	}
}

func TestDeletionWhileTheJobRunsCancelsIt(t *testing.T) {
	w := newWorld(t, 64<<10, true)
	r := w.reconciler(t, w.c)
	w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
	w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"big.bin": strings.Repeat("z", 4<<20)})
	w.createRecord(t, dataClaim, false)
	w.drive(t, r, dataClaim.record(), func(f *v1alpha1.FilesystemBackup) bool { return f.Status.Phase == v1alpha1.PhaseInProgress })

	w.deleteRecord(t, r, dataClaim.record())

	require.Eventually(t, func() bool {
		jobs := w.e.State().BackupJobs
		return len(jobs) == 1 && jobs[0].Status == "CANCELED"
	}, 10*time.Second, 10*time.Millisecond)
}

func TestNoRunningPodMountsTheClaimThroughATemporaryPod(t *testing.T) {
	w := newWorld(t, emuhbr.Unlimited, true)
	r := w.reconciler(t, w.c)
	w.createRecord(t, dataClaim, false)
	podName := dataClaim.record() + "-mount"
	key := types.NamespacedName{Namespace: claimNS, Name: podName}
	var pod corev1.Pod
	w.drive(t, r, dataClaim.record(), func(*v1alpha1.FilesystemBackup) bool { return w.c.Get(context.Background(), key, &pod) == nil })

	assert.Equal(t, dataClaim.record(), pod.Labels[v1alpha1.TemporaryForLabel])
	assert.True(t, pod.Spec.Volumes[0].PersistentVolumeClaim.ReadOnly)
	assert.Equal(t, "data", pod.Spec.Volumes[0].PersistentVolumeClaim.ClaimName)
	assert.Equal(t, []string{nodeName}, pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields[0].Values)
	fsb := w.get(t, dataClaim.record())
	cond := meta.FindStatusCondition(fsb.Status.Conditions, v1alpha1.ConditionVolumeMounted)
	require.NotNil(t, cond)
	assert.Equal(t, "WaitingForPod", cond.Reason)

	// The scheduler and the kubelet: the pod runs on the node, the volume is mounted for it.
	pod.Spec.NodeName, pod.UID = nodeName, "pod-uid-mount"
	require.NoError(t, w.c.Update(context.Background(), &pod))
	pod.Status.Phase = corev1.PodRunning
	require.NoError(t, w.c.Status().Update(context.Background(), &pod))
	w.writeVolume(t, "pod-uid-mount", dataClaim, map[string]string{"a.txt": "alpha"})
	w.drive(t, r, dataClaim.record(), terminal)

	fsb = w.get(t, dataClaim.record())
	assert.Equal(t, v1alpha1.PhaseCompleted, fsb.Status.Phase, fsb.Status.Message)
	assert.True(t, fsb.Status.Pod.Temporary)
	err := w.c.Get(context.Background(), key, &pod)
	assert.True(t, apierrors.IsNotFound(err), "temporary pod left behind: %v %+v", err, pod.ObjectMeta)
}

// Two volumes of one backup on one node: the second waits for the first. The second record is
// reconciled by another process, which knows the node is taken only from the first record's status.
func TestOneVolumePerNodePerBackup(t *testing.T) {
	w := newWorld(t, 256<<10, true)
	logs := claim{name: "logs", uid: "9f8e7d6c-2222-4333-8444-955566667777"}
	w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
	w.runPod(t, "app-1", "pod-uid-app-1", logs)
	w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"a.bin": strings.Repeat("a", 512<<10)})
	w.writeVolume(t, "pod-uid-app-1", logs, map[string]string{"b.txt": "beta"})
	w.createRecord(t, dataClaim, false)
	w.createRecord(t, logs, false)
	first, second := w.reconciler(t, w.c), w.reconciler(t, w.c)

	w.drive(t, first, dataClaim.record(), func(f *v1alpha1.FilesystemBackup) bool { return f.Status.Phase == v1alpha1.PhaseInProgress })
	w.drive(t, second, logs.record(), func(f *v1alpha1.FilesystemBackup) bool {
		c := meta.FindStatusCondition(f.Status.Conditions, v1alpha1.ConditionVolumeMounted)
		return c != nil && c.Reason == "NodeBusy"
	})
	assert.Len(t, w.e.State().BackupJobs, 1, "the second volume's job started on a busy node")

	w.drive(t, first, dataClaim.record(), terminal)
	w.drive(t, second, logs.record(), terminal)
	assert.Equal(t, v1alpha1.PhaseCompleted, w.get(t, dataClaim.record()).Status.Phase)
	assert.Equal(t, v1alpha1.PhaseCompleted, w.get(t, logs.record()).Status.Phase)
	assert.Len(t, w.e.State().BackupJobs, 2)
}

// A record deleted after a restart that lost its job's ID: the finalizer finds the job and cancels it.
func TestDeletionFindsAJobWhoseIDWasLost(t *testing.T) {
	w := newWorld(t, 64<<10, true)
	w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
	w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"big.bin": strings.Repeat("z", 4<<20)})
	w.createRecord(t, dataClaim, false)
	w.drive(t, w.reconciler(t, w.failStatusWrites()), dataClaim.record(), func(f *v1alpha1.FilesystemBackup) bool {
		return f.Status.HBR != nil && f.Status.HBR.CreatingSince != nil && len(w.e.State().BackupJobs) == 1
	})
	require.Empty(t, w.get(t, dataClaim.record()).Status.HBR.JobID)

	w.deleteRecord(t, w.reconciler(t, w.c), dataClaim.record())

	require.Eventually(t, func() bool {
		jobs := w.e.State().BackupJobs
		return len(jobs) == 1 && jobs[0].Status == "CANCELED"
	}, 10*time.Second, 10*time.Millisecond)
}

func logged(e *testenv.Env, msg string) bool {
	for _, entry := range e.Logs.AllEntries() {
		if entry.Message == msg {
			return true
		}
	}
	return false
}
