//go:build e2e

package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// These tests need csdr-controller running in cluster a and its CRDs installed: the backup item
// action hands every HBR volume to it.

// fsbVolumes is a NAS claim shared by a pod on each of two nodes, and an NFS export (not an Alibaba
// volume) bound by a static PV, used by the first pod. %[1]s is the namespace and class, %[2]s and
// %[3]s the nodes.
const fsbVolumes = `apiVersion: storage.k8s.io/v1
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
metadata: {name: shared, namespace: %[1]s}
spec: {storageClassName: %[1]s, accessModes: [ReadWriteMany], resources: {requests: {storage: 8Gi}}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: %[1]s-exports}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  nfs: {server: 10.0.0.9, path: /exports/%[1]s}
  claimRef: {namespace: %[1]s, name: exports}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: exports, namespace: %[1]s}
spec: {storageClassName: "", volumeName: %[1]s-exports, accessModes: [ReadWriteMany], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: %[1]s}
spec:
  nodeSelector: {kubernetes.io/hostname: %[2]s}
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: files, mountPath: /files}, {name: web, mountPath: /web}]}]
  volumes: [{name: files, persistentVolumeClaim: {claimName: shared}}, {name: web, persistentVolumeClaim: {claimName: exports}}]
---
apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: %[1]s}
spec:
  nodeSelector: {kubernetes.io/hostname: %[3]s}
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: files, mountPath: /files}]}]
  volumes: [{name: files, persistentVolumeClaim: {claimName: shared}}]
`

// Acceptance 1, backup half: a backup of a namespace with a NAS claim two pods share and an NFS claim
// completes with one Velero operation and one HBR job per volume, and each FilesystemBackup holds the
// snapshot of exactly the files written.
func TestFilesystemBackupOfSharedAndForeignVolumes(t *testing.T) {
	c, ns := env.a, "fsb-volumes"
	nodes := c.Nodes()
	require.GreaterOrEqual(t, len(nodes), 2)
	apply(t, c, ns, fmt.Sprintf(fsbVolumes, ns, nodes[0].Name, nodes[1].Name))
	t.Cleanup(func() { _, _ = c.Kubectl(context.Background(), nil, "delete", "pv", ns+"-exports", "--wait=false") })
	files := map[string]map[string]string{
		"shared":  {"reports/q3.csv": "region,total\nhz,42\n", "README": "shared by writer and reader\n"},
		"exports": {"index.html": "<h1>" + ns + "</h1>\n"},
	}
	writeFiles(t, c, ns, "writer", "files", files["shared"])
	writeFiles(t, c, ns, "writer", "web", files["exports"])

	b := backup(t, c, ns, "--include-namespaces", ns)
	assert.Equal(t, 2, b.Status.BackupItemOperationsAttempted, "one operation per HBR volume")
	assert.Equal(t, 2, b.Status.BackupItemOperationsCompleted)
	details, err := c.Velero(ctx(t), "backup", "describe", ns, "--details")
	require.NoError(t, err)
	state, err := env.cloud.HBRState(ctx(t))
	require.NoError(t, err)
	for claim, want := range files {
		pvc, rec := recordOfClaim(t, c, ns, claim)
		assert.Equal(t, v1alpha1.PhaseCompleted, rec.Status.Phase, "%s: %s", claim, rec.Status.Message)
		require.NotNil(t, rec.Status.HBR, claim)
		assert.NotEmpty(t, rec.Status.HBR.SnapshotID, claim)
		assert.NotEmpty(t, rec.Status.HBR.SnapshotHash, claim)
		assert.Equal(t, b.UID, rec.Spec.Backup.UID)
		assert.Contains(t, flatten(details), "Backup Item Action Plugin: csdr.io/filesystem-volumes Operation ID: "+rec.Name, claim)

		jobs := jobsNamed(state, v1alpha1.HBRJobName(ns, pvc.UID))
		require.Len(t, jobs, 1, "one HBR job for claim %s", claim)
		assert.Equal(t, hbr.JobComplete, jobs[0].Status)
		assert.Equal(t, rec.Status.HBR.SnapshotID, jobs[0].SnapshotID)
		assert.ElementsMatch(t, keysOf(want), snapshotFiles(t, state, jobs[0].SnapshotID), claim)
	}
}

// fsbBlock is a Block-mode claim bound to a static NFS PV: HBR reads files, not devices.
const fsbBlock = `apiVersion: v1
kind: Namespace
metadata: {name: %[1]s}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: %[1]s-raw}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  volumeMode: Block
  persistentVolumeReclaimPolicy: Retain
  nfs: {server: 10.0.0.9, path: /exports/%[1]s}
  claimRef: {namespace: %[1]s, name: raw}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: raw, namespace: %[1]s}
spec: {storageClassName: "", volumeName: %[1]s-raw, volumeMode: Block, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`

// A Block claim that HBR would take is refused in ACK's words: the backup is PartiallyFailed, no record
// and no job are made.
func TestFilesystemBackupRefusesABlockClaim(t *testing.T) {
	c, ns := env.a, "fsb-block"
	apply(t, c, ns, fmt.Sprintf(fsbBlock, ns))
	t.Cleanup(func() { _, _ = c.Kubectl(context.Background(), nil, "delete", "pv", ns+"-raw", "--wait=false") })
	eventually(t, time.Minute, "claim raw to bind", func() (bool, string) {
		var pvc corev1.PersistentVolumeClaim
		require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: "raw"}, &pvc))
		return pvc.Status.Phase == corev1.ClaimBound, string(pvc.Status.Phase)
	})

	_, err := c.Velero(ctx(t), "backup", "create", ns, "--include-namespaces", ns, "--wait")
	require.NoError(t, err)
	b, err := c.Backup(ctx(t), ns)
	require.NoError(t, err)
	assert.Equal(t, velerov1.BackupPhasePartiallyFailed, b.Status.Phase)
	assert.Zero(t, b.Status.BackupItemOperationsAttempted)
	details, err := c.Velero(ctx(t), "backup", "describe", ns, "--details")
	require.NoError(t, err)
	assert.Contains(t, flatten(details), "HBR backup request failed: claim "+ns+"/raw is volumeMode Block")

	var records v1alpha1.FilesystemBackupList
	require.NoError(t, c.Client.List(ctx(t), &records, client.InNamespace(harness.VeleroNamespace),
		client.MatchingLabels{v1alpha1.BackupUIDLabel: string(b.UID)}))
	assert.Empty(t, records.Items)
}

// fsbIdle is a NAS claim no pod mounts.
const fsbIdle = `apiVersion: storage.k8s.io/v1
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
metadata: {name: idle, namespace: %[1]s}
spec: {storageClassName: %[1]s, accessModes: [ReadWriteMany], resources: {requests: {storage: 8Gi}}}
`

// A claim no pod mounts is backed up through a temporary pod of the controller's, which is gone when
// the backup is.
func TestFilesystemBackupOfAnUnmountedClaim(t *testing.T) {
	c, ns := env.a, "fsb-idle"
	apply(t, c, ns, fmt.Sprintf(fsbIdle, ns))
	eventually(t, time.Minute, "claim idle to bind", func() (bool, string) {
		var pvc corev1.PersistentVolumeClaim
		require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: "idle"}, &pvc))
		return pvc.Spec.VolumeName != "", string(pvc.Status.Phase)
	})
	pv := boundVolume(t, c, ns, "idle")
	// No pod mounts the volume, so its files are written where the NAS keeps them.
	dir := filepath.Join(env.session.Dir, "storage", alibaba.NASCSIDriver, pv.Spec.CSI.VolumeHandle)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "archive.tar"), []byte("old data\n"), 0o644))

	b := backup(t, c, ns, "--include-namespaces", ns)
	assert.Equal(t, 1, b.Status.BackupItemOperationsCompleted)
	_, rec := recordOfClaim(t, c, ns, "idle")
	assert.Equal(t, v1alpha1.PhaseCompleted, rec.Status.Phase, rec.Status.Message)
	require.NotNil(t, rec.Status.Pod)
	assert.True(t, rec.Status.Pod.Temporary, "no Running pod mounted the claim")
	assert.Equal(t, rec.Name+"-mount", rec.Status.Pod.Name)
	state, err := env.cloud.HBRState(ctx(t))
	require.NoError(t, err)
	jobs := jobsNamed(state, rec.Status.HBR.JobName)
	require.Len(t, jobs, 1)
	assert.Equal(t, []string{"archive.tar"}, snapshotFiles(t, state, jobs[0].SnapshotID))

	eventually(t, time.Minute, "the temporary pod to go", func() (bool, string) {
		var pods corev1.PodList
		require.NoError(t, c.Client.List(ctx(t), &pods, client.InNamespace(ns), client.MatchingLabels{v1alpha1.TemporaryForLabel: rec.Name}))
		return len(pods.Items) == 0, fmt.Sprintf("%d left", len(pods.Items))
	})
}

// writeFiles writes files (relative path → content) into a pod's volume through its node mount.
func writeFiles(t *testing.T, c *harness.Cluster, ns, pod, volume string, files map[string]string) {
	t.Helper()
	mount, err := c.VolumePath(ctx(t), ns, pod, volume)
	require.NoError(t, err)
	for name, content := range files {
		require.NoError(t, os.MkdirAll(filepath.Join(mount, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(mount, name), []byte(content), 0o644))
	}
}

// recordOfClaim returns a claim and the FilesystemBackup the backup named like the namespace made of it.
func recordOfClaim(t *testing.T, c *harness.Cluster, ns, claim string) (*corev1.PersistentVolumeClaim, *v1alpha1.FilesystemBackup) {
	t.Helper()
	pvc := &corev1.PersistentVolumeClaim{}
	require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: claim}, pvc))
	rec := &v1alpha1.FilesystemBackup{}
	key := client.ObjectKey{Namespace: harness.VeleroNamespace, Name: v1alpha1.RecordName(ns, pvc.UID)}
	require.NoError(t, c.Client.Get(ctx(t), key, rec), "filesystembackup of claim %s", claim)
	return pvc, rec
}

// jobsNamed returns the emulator's backup jobs of a name.
func jobsNamed(st hbr.State, name string) []hbr.BackupJobState {
	var out []hbr.BackupJobState
	for _, j := range st.BackupJobs {
		if j.Name == name {
			out = append(out, j)
		}
	}
	return out
}

// snapshotFiles lists the regular files a snapshot holds, by path under the volume.
func snapshotFiles(t *testing.T, st hbr.State, id string) []string {
	t.Helper()
	for _, s := range st.Snapshots {
		if s.ID != id {
			continue
		}
		var files []string
		for _, e := range s.Entries {
			if e.Type == hbr.EntryFile {
				files = append(files, e.Path)
			}
		}
		return files
	}
	require.Failf(t, "no snapshot", "HBR holds no snapshot %s", id)
	return nil
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
