//go:build e2e

package suite

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// Acceptance 3, the kubelet root: on a node whose kubelet runs with --root-dir=/data/kubelet, HBR's agent
// finds no volume where csdr-controller says by default (SOURCE_NOT_EXIST, ACK's words); with
// KUBELET_ROOT_PATH=/data/kubelet/pods, as ACK's FAQ says to set it, the next backup succeeds.
func TestFilesystemBackupUnderAnotherKubeletRoot(t *testing.T) {
	parallel(t)
	c, err := env.session.StartClusterWith(ctx(t), "k", harness.ClusterOptions{
		Nodes: []harness.NodeSpec{{KubeletRoot: "/data/kubelet"}}})
	if c != nil {
		t.Cleanup(c.Stop)
	}
	require.NoError(t, err)
	require.NoError(t, install(ctx(t), c))
	require.NoError(t, c.StartVelero(ctx(t)))
	_, err = c.Velero(ctx(t), "backup-location", "create", "default", "--provider", "alibabacloud", "--bucket", vault,
		"--prefix", "kubelet-root", "--config", "region="+env.cloud.Region+",endpoint="+env.cloud.Endpoint,
		"--credential", credsSecret+"=cloud", "--default")
	require.NoError(t, err)
	require.NoError(t, c.WaitForLocation(ctx(t), "default", time.Minute))
	ns := "fs-kubelet-root"
	apply(t, c, ns, fmt.Sprintf(fsNASApp, ns))
	dir, err := c.VolumePath(ctx(t), ns, "app", "data")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "orders.db"), []byte("42 orders\n"), 0o644))

	record := func(name string) *v1alpha1.FilesystemBackup {
		var records v1alpha1.FilesystemBackupList
		require.NoError(t, c.Client.List(ctx(t), &records, client.MatchingLabels{v1alpha1.BackupNameLabel: name}))
		require.Len(t, records.Items, 1)
		return &records.Items[0]
	}
	_, err = c.Velero(ctx(t), "backup", "create", "default-root", "--include-namespaces", ns, "--wait")
	require.NoError(t, err)
	b, err := c.Backup(ctx(t), "default-root")
	require.NoError(t, err)
	assert.Equal(t, velerov1.BackupPhasePartiallyFailed, b.Status.Phase)
	assert.Equal(t, "hbr task finished with unexpected status: FAILED, errMsg SOURCE_NOT_EXIST", record("default-root").Status.Message)

	c.StopController()
	require.NoError(t, c.StartControllerWithEnv(ctx(t), "KUBELET_ROOT_PATH=/data/kubelet/pods"))
	backup(t, c, "configured-root", "--include-namespaces", ns)
	rec := record("configured-root")
	assert.Equal(t, v1alpha1.PhaseCompleted, rec.Status.Phase, rec.Status.Message)
	state, err := env.cloud.HBRState(ctx(t))
	require.NoError(t, err)
	jobs := jobsNamed(state, rec.Status.HBR.JobName)
	require.Len(t, jobs, 1)
	assert.Equal(t, []string{"orders.db"}, snapshotFiles(t, state, jobs[0].SnapshotID))
}
