package restoreaction

import (
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// hbrAndECS lists an HBR snapshot in shop and in ops, an ECS one in db.
const hbrAndECS = `[{"volume":"db/data","kind":"ECSSnapshot","id":"s-1","region":"cn-beijing","state":"Exists"},` +
	`{"volume":"ops/logs","kind":"HBRSnapshot","id":"h-2","region":"cn-beijing","state":"Exists"},` +
	`{"volume":"shop/data","kind":"HBRSnapshot","id":"h-1","region":"cn-beijing","state":"Exists"},` +
	`{"volume":"shop/media","kind":"HBRSnapshot","id":"h-3","region":"cn-beijing","state":"Exists"}]`

func TestVolumeDataAppliesToTheClaimsOfNamespacesWithHBRSnapshots(t *testing.T) {
	every := velero.ResourceSelector{IncludedResources: []string{"persistentvolumeclaims"}}
	none := velero.ResourceSelector{IncludedResources: []string{"persistentvolumeclaims"},
		ExcludedResources: []string{"persistentvolumeclaims"}}
	tests := []struct {
		name        string
		phase       velerov1.BackupPhase
		annotations map[string]string
		restores    []string // names of the restores in progress
		noBackup    bool
		want        velero.ResourceSelector
		wantLog     string
	}{
		{name: "HBR snapshots in two namespaces, one mapped", phase: velerov1.BackupPhaseCompleted,
			annotations: map[string]string{csdrv1alpha1.DataLocationsAnnotation: hbrAndECS}, restores: []string{"r1"},
			want:    velero.ResourceSelector{IncludedResources: []string{"persistentvolumeclaims"}, IncludedNamespaces: []string{"ops", "shop-copy"}},
			wantLog: "the action applies to the claims of the namespaces with HBR snapshots"},
		{name: "ECS snapshots only", phase: velerov1.BackupPhaseCompleted, restores: []string{"r1"},
			annotations: map[string]string{csdrv1alpha1.DataLocationsAnnotation: `[{"volume":"db/data","kind":"ECSSnapshot","id":"s-1","region":"cn-beijing","state":"Exists"}]`},
			want:        none, wantLog: "the restore's backup has no HBR snapshot: the action applies to no claim"},
		{name: "no volume at all", phase: velerov1.BackupPhaseCompleted, restores: []string{"r1"},
			annotations: map[string]string{csdrv1alpha1.DataLocationsAnnotation: "[]"}, want: none},
		{name: "backup partially failed", phase: velerov1.BackupPhasePartiallyFailed, restores: []string{"r1"},
			annotations: map[string]string{csdrv1alpha1.DataLocationsAnnotation: "[]"},
			want:        every, wantLog: "backup nightly is PartiallyFailed, not Completed"},
		{name: "backup made before data locations", phase: velerov1.BackupPhaseCompleted, restores: []string{"r1"},
			want: every, wantLog: "backup nightly has no annotation csdr.io/data-locations"},
		{name: "annotation unreadable", phase: velerov1.BackupPhaseCompleted, restores: []string{"r1"},
			annotations: map[string]string{csdrv1alpha1.DataLocationsAnnotation: "{"}, want: every},
		{name: "no restore in progress", phase: velerov1.BackupPhaseCompleted,
			annotations: map[string]string{csdrv1alpha1.DataLocationsAnnotation: "[]"},
			want:        every, wantLog: "0 restores in progress in velero, not one"},
		{name: "two restores in progress", phase: velerov1.BackupPhaseCompleted, restores: []string{"r1", "r2"},
			annotations: map[string]string{csdrv1alpha1.DataLocationsAnnotation: "[]"}, want: every},
		{name: "backup not found", noBackup: true, restores: []string{"r1"}, want: every,
			wantLog: "read backup velero/nightly of restore r1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var objs []kbclient.Object
			if !tt.noBackup {
				b := &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: "velero", Annotations: tt.annotations}}
				b.Status.Phase = tt.phase
				objs = append(objs, b)
			}
			for _, name := range tt.restores {
				r := veleroRestore(map[string]string{"shop": "shop-copy"})
				r.Name, r.UID = name, "uid-"+r.UID
				r.Status.Phase = velerov1.RestorePhaseInProgress
				objs = append(objs, r)
			}
			done := veleroRestore(nil)
			done.Name, done.Status.Phase = "earlier", velerov1.RestorePhaseCompleted
			objs = append(objs, done)
			c := crfake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).Build()
			a, hook := newVolumeAction(c)
			sel, err := a.AppliesTo()
			require.NoError(t, err, "not knowing which claims is no reason to fail the restore")
			assert.Equal(t, tt.want, sel)
			entry := hook.LastEntry()
			require.NotNil(t, entry, "the restore log says what the action applies to")
			said := entry.Message
			if err, ok := entry.Data[logrus.ErrorKey].(error); ok {
				said += ": " + err.Error()
			}
			assert.Contains(t, said, tt.wantLog)
		})
	}
}
