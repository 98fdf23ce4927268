//go:build e2e

package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// fsNASApp is a NAS claim "data" and a pod "app" that mounts it. %[1]s is the namespace and class.
const fsNASApp = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[1]s}
provisioner: ` + alibaba.NASCSIDriver + `
reclaimPolicy: Delete
---
apiVersion: v1
kind: Namespace
metadata: {name: %[1]s}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: %[1]s}
spec: {storageClassName: %[1]s, accessModes: [ReadWriteMany], resources: {requests: {storage: 8Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: %[1]s}
spec:
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: data, mountPath: /data}]}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
`

// nasApp creates fsNASApp in cluster a with size bytes of files in its volume, and returns the
// volume's host path and the pod's node.
func nasApp(t *testing.T, ns string, size int) (string, string) {
	t.Helper()
	c := env.a
	apply(t, c, ns, fmt.Sprintf(fsNASApp, ns))
	dir, err := c.VolumePath(ctx(t), ns, "app", "data")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blob"), []byte(strings.Repeat("x", size)), 0o644))
	var pod corev1.Pod
	require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: "app"}, &pod))
	return dir, pod.Spec.NodeName
}

// slowHBR makes every HBR job created from now on read bytesPerSecond, until the test ends.
func slowHBR(t *testing.T, bytesPerSecond int64) {
	t.Helper()
	st, err := env.cloud.HBRState(ctx(t))
	require.NoError(t, err)
	before, slow := st.Settings, st.Settings
	slow.Throughput = bytesPerSecond
	require.NoError(t, env.cloud.SetHBRSettings(ctx(t), slow))
	t.Cleanup(func() { _ = env.cloud.SetHBRSettings(context.Background(), before) })
}

// backupRecord is the FilesystemBackup of claim data in ns made by backup name.
func backupRecord(t *testing.T, ns, name string) *v1alpha1.FilesystemBackup {
	t.Helper()
	var records v1alpha1.FilesystemBackupList
	require.NoError(t, env.a.Client.List(ctx(t), &records, client.InNamespace(harness.VeleroNamespace),
		client.MatchingLabels{v1alpha1.BackupNameLabel: name}))
	require.Len(t, records.Items, 1, "one record for backup %s", name)
	return &records.Items[0]
}

// Acceptance 3, end to end: each fault ends in ACK's words and leaves nothing running.
func TestFilesystemBackupFaults(t *testing.T) {
	c := env.a
	t.Run("the node's agent is missing", func(t *testing.T) {
		ns := "fsf-agent"
		_, nodeName := nasApp(t, ns, 1<<10)
		identity, err := c.Identity(ctx(t))
		require.NoError(t, err)
		node, ok := c.Node(nodeName)
		require.True(t, ok)
		require.NoError(t, env.cloud.RemoveHBRAgent(ctx(t), identity, nodeName))
		t.Cleanup(func() { require.NoError(t, env.cloud.AddHBRAgent(context.Background(), identity, node)) })

		_, err = c.Velero(ctx(t), "backup", "create", ns, "--include-namespaces", ns, "--wait")
		require.NoError(t, err)
		b, err := c.Backup(ctx(t), ns)
		require.NoError(t, err)
		assert.Equal(t, velerov1.BackupPhasePartiallyFailed, b.Status.Phase)
		rec := backupRecord(t, ns, ns)
		assert.Equal(t, v1alpha1.PhaseFailed, rec.Status.Phase)
		assert.Equal(t, "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist", rec.Status.Message)
	})

	t.Run("a backup timing out is cancelled", func(t *testing.T) {
		ns := "fsf-timeout"
		nasApp(t, ns, 4<<20)
		slowHBR(t, 64<<10) // a minute for 4 MiB
		_, err := c.Velero(ctx(t), "backup", "create", ns, "--include-namespaces", ns, "--item-operation-timeout=5s", "--wait")
		require.NoError(t, err)
		b, err := c.Backup(ctx(t), ns)
		require.NoError(t, err)
		assert.Equal(t, velerov1.BackupPhasePartiallyFailed, b.Status.Phase)
		eventually(t, time.Minute, "the record to be cancelled", func() (bool, string) {
			rec := backupRecord(t, ns, ns)
			return rec.Status.Phase == v1alpha1.PhaseCanceled, string(rec.Status.Phase) + ": " + rec.Status.Message
		})
		rec := backupRecord(t, ns, ns)
		assert.True(t, rec.Spec.Cancel, "Velero's Cancel set spec.cancel")
		state, err := env.cloud.HBRState(ctx(t))
		require.NoError(t, err)
		jobs := jobsNamed(state, rec.Status.HBR.JobName)
		require.Len(t, jobs, 1)
		assert.Equal(t, "CANCELED", jobs[0].Status)
	})

	t.Run("the controller killed in the middle of a job resumes it", func(t *testing.T) {
		ns := "fsf-kill"
		nasApp(t, ns, 2<<20)
		slowHBR(t, 256<<10) // 8 s for 2 MiB
		_, err := c.Velero(ctx(t), "backup", "create", ns, "--include-namespaces", ns)
		require.NoError(t, err)
		eventually(t, time.Minute, "the HBR job to run", func() (bool, string) {
			var records v1alpha1.FilesystemBackupList
			require.NoError(t, c.Client.List(ctx(t), &records, client.MatchingLabels{v1alpha1.BackupNameLabel: ns}))
			if len(records.Items) == 0 || records.Items[0].Status.HBR == nil {
				return false, "no job yet"
			}
			return records.Items[0].Status.HBR.JobID != "", string(records.Items[0].Status.Phase)
		})
		c.KillController()
		require.NoError(t, c.StartController(ctx(t)))
		b, err := c.WaitForBackup(ctx(t), ns, 3*time.Minute)
		require.NoError(t, err)
		assert.Equal(t, velerov1.BackupPhaseCompleted, b.Status.Phase)
		rec := backupRecord(t, ns, ns)
		state, err := env.cloud.HBRState(ctx(t))
		require.NoError(t, err)
		jobs := jobsNamed(state, rec.Status.HBR.JobName)
		require.Len(t, jobs, 1, "exactly one HBR job after the restart")
		assert.Equal(t, rec.Status.HBR.SnapshotID, jobs[0].SnapshotID)
	})

	t.Run("velero backup delete removes the HBR snapshot", func(t *testing.T) {
		ns := "fsf-delete"
		nasApp(t, ns, 1<<10)
		backup(t, c, ns, "--include-namespaces", ns)
		snapshot := backupRecord(t, ns, ns).Status.HBR.SnapshotID
		require.NotEmpty(t, snapshot)
		_, err := c.Velero(ctx(t), "backup", "delete", ns, "--confirm")
		require.NoError(t, err)
		eventually(t, 2*time.Minute, "the snapshot to go", func() (bool, string) {
			state, err := env.cloud.HBRState(ctx(t))
			require.NoError(t, err)
			for _, s := range state.Snapshots {
				if s.ID == snapshot {
					return false, "snapshot " + snapshot + " is " + s.Status
				}
			}
			return true, ""
		})
		// The controller deletes the snapshot first and then lets the record go, so the record may outlive
		// the snapshot by one reconcile.
		eventually(t, time.Minute, "the record to go with its backup", func() (bool, string) {
			var records v1alpha1.FilesystemBackupList
			require.NoError(t, c.Client.List(ctx(t), &records, client.MatchingLabels{v1alpha1.BackupNameLabel: ns}))
			return len(records.Items) == 0, fmt.Sprintf("%d records left", len(records.Items))
		})
	})
}

// Acceptance 2: a second backup after 1 % of the bytes changed writes about that much to HBR's store,
// and restoring it brings back the new content.
func TestFilesystemIncrementalBackup(t *testing.T) {
	c, ns := env.a, "fs-incremental"
	const files, size = 100, 64 << 10
	dir, _ := nasApp(t, ns, 0)
	for i := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%03d", i)), []byte(strings.Repeat(string(rune('a'+i%26)), size)), 0o644))
	}
	backup(t, c, ns+"-1", "--include-namespaces", ns)
	before, err := env.cloud.HBRState(ctx(t))
	require.NoError(t, err)
	changed := []byte(strings.Repeat("changed!", size/8))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f042"), changed, 0o644))
	backup(t, c, ns+"-2", "--include-namespaces", ns)
	after, err := env.cloud.HBRState(ctx(t))
	require.NoError(t, err)
	written := after.Store.BytesWritten - before.Store.BytesWritten
	t.Logf("incremental backup wrote %d bytes to HBR's store for %d changed of %d", written, size, files*size)
	assert.Equal(t, int64(size), written, "1 %% of the bytes changed: one file")

	want := readTree(t, c, ns, "app", "data")
	restored := ns + "-restored"
	t.Cleanup(func() { _, _ = c.Kubectl(context.Background(), nil, "delete", "namespace", restored, "--wait=false") })
	restore(t, c, restored, ns+"-2", "--namespace-mappings", ns+":"+restored)
	assert.Equal(t, want, readTree(t, c, restored, "app", "data"))
	assert.Equal(t, changed, mustRead(t, c, restored, "f042"))
}

// mustRead reads one file of the restored app's volume.
func mustRead(t *testing.T, c *harness.Cluster, ns, name string) []byte {
	t.Helper()
	dir, err := c.VolumePath(ctx(t), ns, "app", "data")
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return data
}
