package backupaction

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

func TestFilesystemVolumesProgress(t *testing.T) {
	started := metav1.NewTime(now.Add(-10 * time.Minute))
	done := metav1.NewTime(now.Add(-time.Minute))
	running := v1alpha1.Progress{BytesDone: 1024, BytesTotal: 4096, Percent: "25%"}
	status := func(msg string, end *metav1.Time) v1alpha1.FilesystemBackupStatus {
		return v1alpha1.FilesystemBackupStatus{Message: msg, Progress: running, StartTimestamp: &started, CompletionTimestamp: end}
	}
	const clientNotExist = "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"
	tests := []struct {
		phase  v1alpha1.Phase
		status v1alpha1.FilesystemBackupStatus
		want   velero.OperationProgress
	}{
		{phase: "", status: v1alpha1.FilesystemBackupStatus{},
			want: velero.OperationProgress{OperationUnits: "Bytes", Description: "New", Updated: now}},
		{phase: v1alpha1.PhasePreparing, status: status("waiting for node-a: another volume of the backup is on it", nil),
			want: velero.OperationProgress{NCompleted: 1024, NTotal: 4096, OperationUnits: "Bytes",
				Description: "Preparing: waiting for node-a: another volume of the backup is on it", Started: started.Time, Updated: now}},
		{phase: v1alpha1.PhaseInProgress, status: status("", nil),
			want: velero.OperationProgress{NCompleted: 1024, NTotal: 4096, OperationUnits: "Bytes", Description: "InProgress", Started: started.Time, Updated: now}},
		{phase: v1alpha1.PhaseCanceling, status: status("", nil),
			want: velero.OperationProgress{NCompleted: 1024, NTotal: 4096, OperationUnits: "Bytes", Description: "Canceling", Started: started.Time, Updated: now}},
		{phase: v1alpha1.PhaseCompleted, status: status("", &done),
			want: velero.OperationProgress{Completed: true, NCompleted: 1024, NTotal: 4096, OperationUnits: "Bytes", Description: "Completed", Started: started.Time, Updated: done.Time}},
		{phase: v1alpha1.PhaseFailed, status: status(clientNotExist, &done),
			want: velero.OperationProgress{Completed: true, Err: clientNotExist, NCompleted: 1024, NTotal: 4096, OperationUnits: "Bytes",
				Description: "Failed: " + clientNotExist, Started: started.Time, Updated: done.Time}},
		{phase: v1alpha1.PhasePartiallyFailed, status: status("", &done),
			want: velero.OperationProgress{Completed: true, Err: "filesystembackup velero/nightly-0f1e2d3c ended PartiallyFailed",
				NCompleted: 1024, NTotal: 4096, OperationUnits: "Bytes", Description: "PartiallyFailed", Started: started.Time, Updated: done.Time}},
		{phase: v1alpha1.PhaseCanceled, status: status("canceled on request", nil),
			want: velero.OperationProgress{Completed: true, Err: "canceled on request", NCompleted: 1024, NTotal: 4096, OperationUnits: "Bytes",
				Description: "Canceled: canceled on request", Started: started.Time, Updated: now}},
	}
	for _, tt := range tests {
		t.Run("phase "+string(tt.phase), func(t *testing.T) {
			rec := recordOf(tt.phase, tt.status)
			a, _ := newAction(newFakeKube(t, true, rec))
			got, err := a.Progress(rec.Name, fsBackup(velerov1.BackupPhaseWaitingForPluginOperations))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFilesystemVolumesProgressOfAMissingRecordFails(t *testing.T) {
	a, _ := newAction(newFakeKube(t, true))
	_, err := a.Progress("nightly-0f1e2d3c", fsBackup(velerov1.BackupPhaseWaitingForPluginOperations))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "filesystembackup velero/nightly-0f1e2d3c")
}

func TestFilesystemVolumesCancel(t *testing.T) {
	tests := []struct {
		name   string
		record *v1alpha1.FilesystemBackup
	}{
		{name: "a running record is asked to stop", record: recordOf(v1alpha1.PhaseInProgress, v1alpha1.FilesystemBackupStatus{})},
		{name: "a record already asked stays asked", record: func() *v1alpha1.FilesystemBackup {
			r := recordOf(v1alpha1.PhaseCanceling, v1alpha1.FilesystemBackupStatus{})
			r.Spec.Cancel = true
			return r
		}()},
		{name: "a record that is gone has nothing to stop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []crclient.Object
			if tt.record != nil {
				objs = append(objs, tt.record)
			}
			kube := newFakeKube(t, true, objs...)
			a, _ := newAction(kube)
			require.NoError(t, a.Cancel(v1alpha1.RecordName(backupName, claimUID), fsBackup(velerov1.BackupPhaseWaitingForPluginOperations)))
			if tt.record == nil {
				return
			}
			rec := &v1alpha1.FilesystemBackup{}
			require.NoError(t, kube.c.Get(context.Background(), recordKey(), rec))
			assert.True(t, rec.Spec.Cancel)
			assert.Equal(t, tt.record.Status.Phase, rec.Status.Phase, "the controller, not the plugin, moves the phase")
		})
	}
}

// A record that cannot be read for now is no reason to fail the operation for good: Velero asks again.
func TestFilesystemVolumesProgressWaitsOutAnUnreadableRecord(t *testing.T) {
	rec := recordOf(v1alpha1.PhaseInProgress, v1alpha1.FilesystemBackupStatus{})
	kube := newFakeKube(t, true, rec)
	kube.c = interceptor.NewClient(kube.c.(crclient.WithWatch), interceptor.Funcs{
		Get: func(context.Context, crclient.WithWatch, crclient.ObjectKey, crclient.Object, ...crclient.GetOption) error {
			return apierrors.NewServiceUnavailable("etcd leader changed")
		}})
	a, _ := newAction(kube)
	got, err := a.Progress(rec.Name, fsBackup(velerov1.BackupPhaseWaitingForPluginOperations))
	require.NoError(t, err)
	assert.False(t, got.Completed)
	assert.True(t, got.Started.IsZero(), "not started as far as Velero can tell")
}
