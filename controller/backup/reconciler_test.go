package backup_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/testenv"

	emuhbr "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

var dataClaim = claim{name: "data", uid: "7d1e0a2c-1111-4222-8333-944455556666"}

func TestBackupCompletesWithProgressAndSnapshot(t *testing.T) {
	w := newWorld(t, 1<<20, true) // 1 MiB/s: a 2 MiB volume takes about two seconds
	w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
	w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"a.bin": strings.Repeat("x", 1<<20), "dir/b.bin": strings.Repeat("y", 1<<20)})
	w.createRecord(t, dataClaim, false)

	seen := w.drive(t, w.reconciler(t, w.c), dataClaim.record(), terminal)

	fsb := w.get(t, dataClaim.record())
	require.Equal(t, v1alpha1.PhaseCompleted, fsb.Status.Phase, fsb.Status.Message)
	st := w.e.State()
	require.Len(t, st.BackupJobs, 1)
	require.Len(t, st.Snapshots, 1)
	assert.Equal(t, st.BackupJobs[0].ID, fsb.Status.HBR.JobID)
	assert.Equal(t, st.Snapshots[0].ID, fsb.Status.HBR.SnapshotID)
	assert.NotEmpty(t, fsb.Status.HBR.SnapshotHash)
	assert.Equal(t, "b1-7d1e0a2c-hbr", fsb.Status.HBR.JobName)
	assert.Equal(t, "ack-backup-data", fsb.Status.HBR.VaultName)
	assert.EqualValues(t, 30, st.Snapshots[0].RetentionDay)
	assert.EqualValues(t, 2<<20, fsb.Status.Progress.BytesTotal)
	assert.EqualValues(t, 2<<20, fsb.Status.Progress.BytesDone)
	assert.Equal(t, "100%", fsb.Status.Progress.Percent)
	assert.Equal(t, nodeName, fsb.Status.Node)
	assert.Equal(t, "app-0", fsb.Status.Pod.Name)
	assert.False(t, fsb.Status.Pod.Temporary)
	assert.NotNil(t, fsb.Status.StartTimestamp)
	assert.NotNil(t, fsb.Status.CompletionTimestamp)
	assert.Contains(t, fsb.Finalizers, v1alpha1.SnapshotFinalizer)
	assert.True(t, meta.IsStatusConditionTrue(fsb.Status.Conditions, v1alpha1.ConditionVolumeMounted))
	assert.True(t, meta.IsStatusConditionTrue(fsb.Status.Conditions, v1alpha1.ConditionJobCreated))

	var phases []v1alpha1.Phase
	partway := false
	for _, s := range seen {
		if len(phases) == 0 || phases[len(phases)-1] != s.Phase {
			phases = append(phases, s.Phase)
		}
		if s.Phase == v1alpha1.PhaseInProgress && s.Progress.BytesDone > 0 && s.Progress.BytesDone < 2<<20 {
			partway = true
		}
	}
	assert.Equal(t, []v1alpha1.Phase{v1alpha1.PhasePreparing, v1alpha1.PhaseInProgress, v1alpha1.PhaseCompleted}, phases)
	assert.True(t, partway, "no progress seen between start and end")
	events := strings.Join(w.eventsOf(), "\n")
	assert.Contains(t, events, "Normal JobCreated HBR backup job "+fsb.Status.HBR.JobID)
	assert.Contains(t, events, "Normal Completed Completed")
	// The token Secret the agents read is there.
	assert.Len(t, st.Clusters, 1)
}

func TestBackupFailsInACKsWords(t *testing.T) {
	notActivated := func(t *testing.T, w *world) {
		set := w.e.Srv.HBR().Settings()
		set.Activated = false
		require.NoError(t, w.e.Srv.HBR().SetSettings(set))
	}
	badConfig := func(t *testing.T, w *world) {
		require.NoError(t, w.c.Create(context.Background(), &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Namespace: testenv.Namespace, Name: "csdr-config"},
			Data:       map[string]string{"applicationBackup": "node_policy: include"}}))
	}
	tests := []struct {
		name    string
		agent   bool
		files   bool
		setup   func(*testing.T, *world)
		wantMsg string // the message, or its start when it ends in "..."
	}{
		{name: "agent missing", agent: false, files: true,
			wantMsg: "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"},
		{name: "path missing", agent: true, files: false,
			wantMsg: "hbr task finished with unexpected status: FAILED, errMsg SOURCE_NOT_EXIST"},
		{name: "HBR not activated", agent: true, files: true, setup: notActivated,
			wantMsg: "HBRError: check HBR vault error..."},
		{name: "csdr-config with an unknown key", agent: true, files: true, setup: badConfig,
			wantMsg: "ConfigMap velero/csdr-config: applicationBackup.node_policy is not a known key; valid keys: backup_max_worker_num, ..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, emuhbr.Unlimited, tt.agent)
			w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
			if tt.files {
				w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"a.txt": "alpha"})
			}
			if tt.setup != nil {
				tt.setup(t, w)
			}
			w.createRecord(t, dataClaim, false)

			w.drive(t, w.reconciler(t, w.c), dataClaim.record(), terminal)

			fsb := w.get(t, dataClaim.record())
			assert.Equal(t, v1alpha1.PhaseFailed, fsb.Status.Phase)
			if prefix, ok := strings.CutSuffix(tt.wantMsg, "..."); ok {
				assert.True(t, strings.HasPrefix(fsb.Status.Message, prefix), fsb.Status.Message)
			} else {
				assert.Equal(t, tt.wantMsg, fsb.Status.Message)
			}
			assert.Contains(t, strings.Join(w.eventsOf(), "\n"), "Warning Failed Failed: "+fsb.Status.Message)
		})
	}
}

func TestNoEligibleNodeWaits(t *testing.T) {
	w := newWorld(t, emuhbr.Unlimited, true)
	require.NoError(t, w.c.Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: testenv.Namespace, Name: "csdr-config"},
		Data:       map[string]string{"applicationBackup": "node_schedule_policy: include"}}))
	w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
	w.createRecord(t, dataClaim, false)

	w.drive(t, w.reconciler(t, w.c), dataClaim.record(), func(f *v1alpha1.FilesystemBackup) bool {
		c := meta.FindStatusCondition(f.Status.Conditions, v1alpha1.ConditionVolumeMounted)
		return c != nil && c.Reason == "NoEligibleNode"
	})
	fsb := w.get(t, dataClaim.record())
	assert.Equal(t, v1alpha1.PhasePreparing, fsb.Status.Phase)
	assert.Equal(t, "no node may run HBR's agent under node_schedule_policy include",
		meta.FindStatusCondition(fsb.Status.Conditions, v1alpha1.ConditionVolumeMounted).Message)
	assert.Empty(t, w.e.State().BackupJobs)
}

func TestBackupAfterTheVaultWasDeletedFails(t *testing.T) {
	w := newWorld(t, emuhbr.Unlimited, true)
	r := w.reconciler(t, w.c)
	w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
	w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"a.txt": "alpha"})
	w.createRecord(t, dataClaim, false)
	w.drive(t, r, dataClaim.record(), terminal)
	first := w.get(t, dataClaim.record())
	require.Equal(t, v1alpha1.PhaseCompleted, first.Status.Phase, first.Status.Message)

	require.NoError(t, w.e.Srv.HBR().DeleteVault(first.Status.HBR.VaultID))
	logs := claim{name: "logs", uid: "9f8e7d6c-2222-4333-8444-955566667777"}
	w.runPod(t, "app-1", "pod-uid-app-1", logs)
	w.writeVolume(t, "pod-uid-app-1", logs, map[string]string{"b.txt": "beta"})
	w.createRecord(t, logs, false)
	w.drive(t, r, logs.record(), terminal)

	fsb := w.get(t, logs.record())
	assert.Equal(t, v1alpha1.PhaseFailed, fsb.Status.Phase)
	assert.Regexp(t, `^HBRError: .*code: 400, Illegal request`, fsb.Status.Message)
}

func TestCancel(t *testing.T) {
	t.Run("running job", func(t *testing.T) {
		w := newWorld(t, 64<<10, true) // 64 KiB/s: 4 MiB take a minute
		r := w.reconciler(t, w.c)
		w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
		w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"big.bin": strings.Repeat("z", 4<<20)})
		w.createRecord(t, dataClaim, false)
		w.drive(t, r, dataClaim.record(), func(f *v1alpha1.FilesystemBackup) bool { return f.Status.Phase == v1alpha1.PhaseInProgress })

		fsb := w.get(t, dataClaim.record())
		fsb.Spec.Cancel = true
		require.NoError(t, w.c.Update(context.Background(), fsb))
		seen := w.drive(t, r, dataClaim.record(), terminal)

		fsb = w.get(t, dataClaim.record())
		assert.Equal(t, v1alpha1.PhaseCanceled, fsb.Status.Phase)
		assert.Equal(t, v1alpha1.PhaseCanceling, seen[0].Phase)
		st := w.e.State()
		require.Len(t, st.BackupJobs, 1)
		assert.Equal(t, "CANCELED", st.BackupJobs[0].Status)
		assert.Empty(t, st.Snapshots)
	})
	t.Run("before the job", func(t *testing.T) {
		w := newWorld(t, emuhbr.Unlimited, true)
		w.createRecord(t, dataClaim, true)
		w.drive(t, w.reconciler(t, w.c), dataClaim.record(), terminal)

		assert.Equal(t, v1alpha1.PhaseCanceled, w.get(t, dataClaim.record()).Status.Phase)
		assert.Empty(t, w.e.State().BackupJobs)
	})
}

// A controller that dies after CreateBackupJob, before it writes the job's ID down: the next one finds
// the job by creatingSince and name instead of creating a second.
func TestRestartAfterCreatingSinceMakesOneJob(t *testing.T) {
	w := newWorld(t, emuhbr.Unlimited, true)
	w.runPod(t, "app-0", "pod-uid-app-0", dataClaim)
	w.writeVolume(t, "pod-uid-app-0", dataClaim, map[string]string{"a.txt": "alpha"})
	w.createRecord(t, dataClaim, false)

	first := w.reconciler(t, w.failStatusWrites())
	w.drive(t, first, dataClaim.record(), func(f *v1alpha1.FilesystemBackup) bool {
		return f.Status.HBR != nil && f.Status.HBR.CreatingSince != nil && len(w.e.State().BackupJobs) == 1
	})
	fsb := w.get(t, dataClaim.record())
	require.Empty(t, fsb.Status.HBR.JobID, "the job ID write was meant to fail")
	require.Equal(t, v1alpha1.PhasePreparing, fsb.Status.Phase)

	second := w.reconciler(t, w.c)
	w.drive(t, second, dataClaim.record(), terminal)

	fsb = w.get(t, dataClaim.record())
	assert.Equal(t, v1alpha1.PhaseCompleted, fsb.Status.Phase, fsb.Status.Message)
	st := w.e.State()
	require.Len(t, st.BackupJobs, 1, "a second job was created")
	assert.Equal(t, st.BackupJobs[0].ID, fsb.Status.HBR.JobID)
}
