package restoreaction

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

func TestVolumeDataProgress(t *testing.T) {
	started := metav1.NewTime(time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC))
	done := metav1.NewTime(started.Add(time.Minute))
	tests := []struct {
		name   string
		status csdrv1alpha1.FilesystemRestoreStatus
		want   func(p *velero.OperationProgress)
	}{
		{"new", csdrv1alpha1.FilesystemRestoreStatus{}, func(p *velero.OperationProgress) { p.Description, p.NTotal = "New", 4096 }},
		{"preparing", csdrv1alpha1.FilesystemRestoreStatus{Phase: csdrv1alpha1.PhasePreparing, StartTimestamp: &started,
			Message: "waiting for claim velero/r1-7d1e4c2a-tmp to be bound"}, func(p *velero.OperationProgress) {
			p.Description, p.NTotal, p.Started = "Preparing: waiting for claim velero/r1-7d1e4c2a-tmp to be bound", 4096, started.Time
		}},
		{"in progress", csdrv1alpha1.FilesystemRestoreStatus{Phase: csdrv1alpha1.PhaseInProgress, StartTimestamp: &started,
			Progress: csdrv1alpha1.Progress{BytesDone: 1000, BytesTotal: 5000, Percent: "20%"}}, func(p *velero.OperationProgress) {
			p.Description, p.NCompleted, p.NTotal, p.Started = "InProgress", 1000, 5000, started.Time
		}},
		{"completed", csdrv1alpha1.FilesystemRestoreStatus{Phase: csdrv1alpha1.PhaseCompleted, StartTimestamp: &started, CompletionTimestamp: &done,
			Progress: csdrv1alpha1.Progress{BytesDone: 5000, BytesTotal: 5000}}, func(p *velero.OperationProgress) {
			p.Description, p.NCompleted, p.NTotal, p.Started, p.Updated, p.Completed = "Completed", 5000, 5000, started.Time, done.Time, true
		}},
		{"failed", csdrv1alpha1.FilesystemRestoreStatus{Phase: csdrv1alpha1.PhaseFailed, StartTimestamp: &started, CompletionTimestamp: &done,
			Message: "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"}, func(p *velero.OperationProgress) {
			p.Description = "Failed: hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"
			p.NTotal, p.Started, p.Updated, p.Completed = 4096, started.Time, done.Time, true
			p.Err = "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"
		}},
		{"canceled", csdrv1alpha1.FilesystemRestoreStatus{Phase: csdrv1alpha1.PhaseCanceled, StartTimestamp: &started, CompletionTimestamp: &done},
			func(p *velero.OperationProgress) {
				p.Description, p.NTotal, p.Started, p.Updated, p.Completed = "Canceled", 4096, started.Time, done.Time, true
				p.Err = "filesystemrestore velero/r1-7d1e4c2a ended Canceled"
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cluster(t)
			a, _ := newVolumeAction(c)
			restore := veleroRestore(nil)
			out, err := a.Execute(input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), restore))
			require.NoError(t, err)
			var record csdrv1alpha1.FilesystemRestore
			require.NoError(t, c.Get(context.Background(), types.NamespacedName{Namespace: "velero", Name: out.OperationID}, &record))
			// The source action named the snapshot and the backup's size.
			record.Spec.Source.SnapshotID, record.Spec.Source.BytesTotal = "s-0001", 4096
			require.NoError(t, c.Update(context.Background(), &record))
			record.Status = tt.status
			require.NoError(t, c.Status().Update(context.Background(), &record))

			before := time.Now()
			got, err := a.Progress(out.OperationID, restore)
			require.NoError(t, err)
			want := velero.OperationProgress{OperationUnits: "Bytes"}
			tt.want(&want)
			if want.Updated.IsZero() {
				assert.False(t, got.Updated.Before(before), "updated %v is now", got.Updated)
				got.Updated = time.Time{}
			}
			// The API server keeps seconds in no particular zone.
			got.Started, got.Updated = utc(got.Started), utc(got.Updated)
			assert.Equal(t, want, got)
		})
	}
}

func TestVolumeDataProgressOfAMissingRecord(t *testing.T) {
	a, _ := newVolumeAction(cluster(t))
	_, err := a.Progress("r1-gone", veleroRestore(nil))
	assert.ErrorContains(t, err, "read filesystemrestore velero/r1-gone of operation r1-gone")
}

func TestVolumeDataCancel(t *testing.T) {
	c := cluster(t)
	a, _ := newVolumeAction(c)
	restore := veleroRestore(nil)
	out, err := a.Execute(input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), restore))
	require.NoError(t, err)

	require.NoError(t, a.Cancel(out.OperationID, restore))
	var record csdrv1alpha1.FilesystemRestore
	require.NoError(t, c.Get(context.Background(), types.NamespacedName{Namespace: "velero", Name: out.OperationID}, &record))
	assert.True(t, record.Spec.Cancel)
	assert.Equal(t, "data", record.Spec.Target.Claim.Name, "the rest of the spec stays")

	assert.NoError(t, a.Cancel("r1-gone", restore), "a record already gone has nothing to stop")
	ready, err := a.AreAdditionalItemsReady(nil, restore)
	require.NoError(t, err)
	assert.True(t, ready)
}

func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}
