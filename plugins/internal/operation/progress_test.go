package operation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

func TestProgress(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	started, done := metav1.NewTime(now.Add(-time.Minute)), metav1.NewTime(now.Add(-time.Second))
	base := Record{Kind: "filesystembackup", Namespace: "velero", Name: "b-1", Started: &started,
		Progress: v1alpha1.Progress{BytesDone: 3, BytesTotal: 4}}
	tests := []struct {
		name string
		edit func(*Record)
		want velero.OperationProgress
	}{
		{"new", func(r *Record) { r.Started, r.Progress = nil, v1alpha1.Progress{} },
			velero.OperationProgress{OperationUnits: BytesUnit, Description: "New", Updated: now}},
		{"a restore shows its backup's total before HBR's", func(r *Record) { r.Phase, r.Progress.BytesTotal, r.ExpectedBytes = v1alpha1.PhasePreparing, 0, 9 },
			velero.OperationProgress{NCompleted: 3, NTotal: 9, OperationUnits: BytesUnit, Description: "Preparing", Started: started.UTC(), Updated: now}},
		{"completed", func(r *Record) { r.Phase, r.Completed = v1alpha1.PhaseCompleted, &done },
			velero.OperationProgress{Completed: true, NCompleted: 3, NTotal: 4, OperationUnits: BytesUnit, Description: "Completed",
				Started: started.UTC(), Updated: done.UTC()}},
		{"failed in ACK's words", func(r *Record) {
			r.Phase, r.Message, r.Completed = v1alpha1.PhaseFailed, "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist", &done
		}, velero.OperationProgress{Completed: true, NCompleted: 3, NTotal: 4, OperationUnits: BytesUnit,
			Description: "Failed: hbr task finished with unexpected status: FAILED, errMsg ClientNotExist",
			Err:         "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist", Started: started.UTC(), Updated: done.UTC()}},
		{"canceled without a message still fails", func(r *Record) { r.Phase = v1alpha1.PhaseCanceled },
			velero.OperationProgress{Completed: true, NCompleted: 3, NTotal: 4, OperationUnits: BytesUnit, Description: "Canceled",
				Err: "filesystembackup velero/b-1 ended Canceled", Started: started.UTC(), Updated: now}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			tt.edit(&r)
			assert.Equal(t, tt.want, Progress(r, now))
		})
	}
}
