package contract

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/pluginhost"
)

func claimItem() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim",
		"metadata": map[string]any{"namespace": "shop", "name": "files", "uid": "0f1e2d3c-aaaa"},
		"spec":     map[string]any{"volumeName": "nas-files", "accessModes": []any{"ReadWriteMany"}},
		"status":   map[string]any{"phase": "Bound"},
	}}
}

func contractBackup() *velerov1.Backup {
	return &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: "nightly", UID: "b0b0"},
		Status: velerov1.BackupStatus{Phase: velerov1.BackupPhaseInProgress}}
}

// Without csdr-controller's CRDs the v2 action, reached through Velero's gRPC adapter, returns the
// claim as it came and starts no operation.
func TestFilesystemVolumesThroughVeleroGRPCWithoutTheController(t *testing.T) {
	api := &fakeAPI{}
	serveFakeAPI(t, api)
	log, logs := newLogger()
	mgr := pluginhost.NewManager(t, log)

	bia, err := mgr.GetBackupItemActionV2("csdr.io/filesystem-volumes")
	require.NoError(t, err)
	assert.Equal(t, "csdr.io/filesystem-volumes", bia.Name())
	sel, err := bia.AppliesTo()
	require.NoError(t, err)
	assert.Equal(t, []string{"persistentvolumeclaims"}, sel.IncludedResources)

	item := claimItem()
	out, extra, opID, post, err := bia.Execute(item, contractBackup())
	require.NoError(t, err)
	assert.Equal(t, item.Object, out.UnstructuredContent())
	assert.Empty(t, extra)
	assert.Empty(t, opID)
	assert.Empty(t, post)
	// The plugin's log reaches Velero's logger through go-plugin's stream, after the call returns.
	assert.Eventually(t, func() bool {
		return strings.Contains(logs.String(), "csdr-controller is not installed: files of claim shop/files are not backed up")
	}, 10*time.Second, 20*time.Millisecond, "the warning reaches Velero's log")
	assert.Contains(t, api.seen(), "GET /apis/csdr.io/v1alpha1", "the plugin asked the cluster")
}

// With the CRDs served, Progress of a record that is gone fails the operation, Cancel of it succeeds,
// the delete action leaves a missing record alone, and the records' restore action skips them: each
// crosses Velero's gRPC adapters as it leaves the action.
func TestRecordActionsThroughVeleroGRPC(t *testing.T) {
	api := &fakeAPI{csdr: true}
	serveFakeAPI(t, api)
	log, _ := newLogger()
	mgr := pluginhost.NewManager(t, log)

	bia, err := mgr.GetBackupItemActionV2("csdr.io/filesystem-volumes")
	require.NoError(t, err)
	_, err = bia.Progress("nightly-0f1e2d3c", contractBackup())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "filesystembackup velero/nightly-0f1e2d3c of operation nightly-0f1e2d3c does not exist")
	require.NoError(t, bia.Cancel("nightly-0f1e2d3c", contractBackup()))

	unbound := claimItem()
	unstructured.RemoveNestedField(unbound.Object, "spec", "volumeName")
	unbound.Object["status"] = map[string]any{"phase": "Pending"}
	out, _, opID, _, err := bia.Execute(unbound, contractBackup())
	require.NoError(t, err)
	assert.Equal(t, unbound.Object, out.UnstructuredContent())
	assert.Empty(t, opID, "an unbound claim has no data for HBR")

	record := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "csdr.io/v1alpha1", "kind": "FilesystemBackup",
		"metadata": map[string]any{"namespace": "velero", "name": "nightly-0f1e2d3c", "uid": "rec-1"},
		"spec":     map[string]any{"backup": map[string]any{"name": "nightly", "uid": "b0b0"}}}}
	dia, err := mgr.GetDeleteItemAction("csdr.io/filesystem-backup-delete")
	require.NoError(t, err)
	require.NoError(t, dia.Execute(&velero.DeleteItemActionExecuteInput{Item: record, Backup: contractBackup()}))
	assert.Contains(t, api.seen(), "GET /apis/csdr.io/v1alpha1/namespaces/velero/filesystembackups/nightly-0f1e2d3c")

	restoreRecord := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "csdr.io/v1alpha1", "kind": "FilesystemRestore",
		"metadata": map[string]any{"namespace": "velero", "name": "r0-0f1e2d3c", "uid": "rec-2"}}}
	ria, err := mgr.GetRestoreItemAction("csdr.io/skip-records")
	require.NoError(t, err)
	res, err := ria.Execute(&velero.RestoreItemActionExecuteInput{Item: restoreRecord, ItemFromBackup: restoreRecord,
		Restore: &velerov1.Restore{ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: "r1"}}})
	require.NoError(t, err)
	assert.True(t, res.SkipRestore)
}
