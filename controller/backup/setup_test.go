package backup

import (
	"context"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// When a record ends, the unfinished records of the same backup are looked at again at once (a node may
// have freed up), and those of other backups are not.
func TestAnEndedRecordWakesTheRecordsOfItsBackup(t *testing.T) {
	ended := &v1alpha1.FilesystemBackup{}
	ended.Namespace, ended.Name, ended.Labels = "velero", "b-1", map[string]string{v1alpha1.BackupUIDLabel: "u1"}
	waiting, done, other := ended.DeepCopy(), ended.DeepCopy(), ended.DeepCopy()
	waiting.Name, done.Name, other.Name = "b-2", "b-3", "c-1"
	done.Status.Phase, ended.Status.Phase = v1alpha1.PhaseCompleted, v1alpha1.PhaseCompleted
	other.Labels = map[string]string{v1alpha1.BackupUIDLabel: "u2"}
	scheme := runtime.NewScheme()
	require.NoError(t, v1alpha1.AddToScheme(scheme))
	c := crfake.NewClientBuilder().WithScheme(scheme).WithObjects(ended, waiting, done, other).Build()
	r := &Reconciler{client: c, log: logrus.New()}
	got := r.waitingOfSameBackup(context.Background(), ended)
	assert.Equal(t, []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: "velero", Name: "b-2"}}}, got)
}
