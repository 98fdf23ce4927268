package datalocations

import (
	"testing"

	"github.com/stretchr/testify/assert"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

func TestBackupEvents(t *testing.T) {
	backup := func(ns, locations string, phase velerov1.BackupPhase) *velerov1.Backup {
		b := &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "b1"}, Status: velerov1.BackupStatus{Phase: phase}}
		if locations != "" {
			b.Annotations = map[string]string{v1alpha1.DataLocationsAnnotation: locations}
		}
		return b
	}
	p := backupEvents("velero")
	tests := []struct {
		name string
		got  bool
		want bool
	}{
		{"created with locations", p.Create(event.CreateEvent{Object: backup("velero", "[]", "")}), true},
		{"created without", p.Create(event.CreateEvent{Object: backup("velero", "", "")}), false},
		{"another namespace", p.Create(event.CreateEvent{Object: backup("other", "[]", "")}), false},
		{"locations written", p.Update(event.UpdateEvent{ObjectOld: backup("velero", "", velerov1.BackupPhaseFinalizing),
			ObjectNew: backup("velero", "[]", velerov1.BackupPhaseCompleted)}), true},
		{"locations changed", p.Update(event.UpdateEvent{ObjectOld: backup("velero", "[]", velerov1.BackupPhaseCompleted),
			ObjectNew: backup("velero", `[{"volume":"a"}]`, velerov1.BackupPhaseCompleted)}), true},
		{"only the status changed", p.Update(event.UpdateEvent{ObjectOld: backup("velero", "[]", velerov1.BackupPhaseInProgress),
			ObjectNew: backup("velero", "[]", velerov1.BackupPhaseCompleted)}), false},
		{"deleted", p.Delete(event.DeleteEvent{Object: backup("velero", "[]", "")}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, tt.got) })
	}
}
