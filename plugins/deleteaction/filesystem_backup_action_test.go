package deleteaction

import (
	"context"
	"errors"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
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
	clusterA   = "uid-cluster-a"
	clusterB   = "uid-cluster-b"
)

func record(uid, backup types.UID) *v1alpha1.FilesystemBackup {
	return &v1alpha1.FilesystemBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: recordName, UID: uid},
		Spec:       v1alpha1.FilesystemBackupSpec{Backup: v1alpha1.OwnerRef{Name: "nightly", UID: backup}},
	}
}

// from labels the record with the cluster that made it.
func from(r *v1alpha1.FilesystemBackup, cluster string) *v1alpha1.FilesystemBackup {
	r.Labels = map[string]string{v1alpha1.SourceClusterKey: cluster}
	return r
}

func identityOf(id string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) { return id, nil }
}

func unknownIdentity(context.Context) (string, error) {
	return "", errors.New("read namespace kube-system for the cluster's identity: connection refused")
}

func TestFilesystemBackupDelete(t *testing.T) {
	tests := []struct {
		name      string
		inTarball *v1alpha1.FilesystemBackup
		live      *v1alpha1.FilesystemBackup
		identity  func(context.Context) (string, error)
		// marked: the live record asks the controller to delete its snapshot.
		marked   bool
		wantErr  string
		wantInfo string
	}{
		{name: "the record itself is marked", live: record("rec-1", backupUID), marked: true},
		{name: "a record of the same name and backup, re-created, is marked", live: record("rec-2", backupUID), marked: true},
		{name: "a record of the same name for another backup is left", live: record("rec-3", "other-backup")},
		{name: "a record gone already: nothing to mark"},
		{name: "a record made in this cluster is marked", inTarball: from(record("rec-1", backupUID), clusterA),
			live: from(record("rec-1", backupUID), clusterA), marked: true},
		{name: "a record another cluster made is left for it", inTarball: from(record("rec-1", backupUID), clusterB),
			live:     from(record("rec-1", backupUID), clusterB),
			wantInfo: "filesystembackup was made by cluster " + clusterB + ": its HBR snapshot is kept for it"},
		{name: "the tarball's copy names another cluster: left", inTarball: from(record("rec-1", backupUID), clusterB),
			live: record("rec-1", backupUID)},
		{name: "unlabelled records need no identity", live: record("rec-1", backupUID), identity: unknownIdentity, marked: true},
		{name: "a labelled record with the identity unknown is not marked", inTarball: from(record("rec-1", backupUID), clusterA),
			live: from(record("rec-1", backupUID), clusterA), identity: unknownIdentity,
			wantErr: "mark filesystembackup velero/" + recordName + " for snapshot deletion: this cluster's identity is unknown"},
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
			identity := tt.identity
			if identity == nil {
				identity = identityOf(clusterA)
			}
			log, hook := logtest.NewNullLogger()
			a := NewFilesystemBackupAction(log, func() (crclient.Client, error) { return c, nil }, identity)
			inTarball := tt.inTarball
			if inTarball == nil {
				inTarball = record("rec-1", backupUID)
			}
			content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(inTarball)
			require.NoError(t, err)
			backup := &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: "nightly", UID: backupUID}}

			err = a.Execute(&velero.DeleteItemActionExecuteInput{Item: &unstructured.Unstructured{Object: content}, Backup: backup})

			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			if tt.wantInfo != "" {
				require.NotNil(t, hook.LastEntry())
				assert.Equal(t, tt.wantInfo, hook.LastEntry().Message)
			}
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
	sel, err := NewFilesystemBackupAction(logrus.New(), nil, nil).AppliesTo()
	require.NoError(t, err)
	assert.Equal(t, []string{"filesystembackups.csdr.io"}, sel.IncludedResources)
}
