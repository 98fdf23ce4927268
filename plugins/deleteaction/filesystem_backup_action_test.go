package deleteaction

import (
	"context"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

const (
	recordName = "nightly-0f1e2d3c"
	backupUID  = types.UID("b0b0b0b0")
)

func record(uid, backup types.UID) *v1alpha1.FilesystemBackup {
	return &v1alpha1.FilesystemBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: recordName, UID: uid},
		Spec:       v1alpha1.FilesystemBackupSpec{Backup: v1alpha1.OwnerRef{Name: "nightly", UID: backup}},
	}
}

func TestFilesystemBackupDelete(t *testing.T) {
	inTarball := record("rec-1", backupUID)
	tests := []struct {
		name string
		live *v1alpha1.FilesystemBackup
		// marked: the live record asks the controller to delete its snapshot.
		marked bool
	}{
		{name: "the record itself is marked", live: record("rec-1", backupUID), marked: true},
		{name: "a record of the same name and backup, re-created, is marked", live: record("rec-2", backupUID), marked: true},
		{name: "a record of the same name for another backup is left", live: record("rec-3", "other-backup")},
		{name: "a record gone already: nothing to mark"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scheme := runtime.NewScheme()
			require.NoError(t, v1alpha1.AddToScheme(scheme))
			b := crfake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(&v1alpha1.FilesystemBackup{})
			if tt.live != nil {
				b = b.WithObjects(tt.live)
			}
			c := b.Build()
			a := NewFilesystemBackupAction(logrus.New(), func() (crclient.Client, error) { return c, nil })
			content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(inTarball)
			require.NoError(t, err)
			backup := &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: "nightly", UID: backupUID}}
			require.NoError(t, a.Execute(&velero.DeleteItemActionExecuteInput{Item: &unstructured.Unstructured{Object: content}, Backup: backup}))
			if tt.live == nil {
				return
			}
			got := &v1alpha1.FilesystemBackup{}
			require.NoError(t, c.Get(context.Background(), crclient.ObjectKeyFromObject(tt.live), got))
			assert.Equal(t, tt.marked, got.Annotations[v1alpha1.DeleteSnapshotAnnotation] == "true")
		})
	}
}

func TestFilesystemBackupDeleteAppliesToRecords(t *testing.T) {
	sel, err := NewFilesystemBackupAction(logrus.New(), nil).AppliesTo()
	require.NoError(t, err)
	assert.Equal(t, []string{"filesystembackups.csdr.io"}, sel.IncludedResources)
}
