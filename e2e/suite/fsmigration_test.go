//go:build e2e

package suite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// foreignDriver plays another cloud's disk driver in cluster a, as in a cluster being migrated to
// Alibaba Cloud.
var foreignDriver = harness.CSIDriver{Name: "ebs.csi.aws.com", Kind: harness.CSIZonal, TopologyKey: "topology.ebs.csi.aws.com/zone"}

// migrationApp is a NAS claim two pods share, a claim of another cloud's disk driver and a local
// volume on the writer's node. %[1]s is the namespace (and the prefix of its classes), %[2]s the
// writer's node.
const migrationApp = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[1]s-nas}
provisioner: ` + alibaba.NASCSIDriver + `
reclaimPolicy: Delete
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[1]s-gp3}
provisioner: ebs.csi.aws.com
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[1]s-local}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: Namespace
metadata: {name: %[1]s}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: %[1]s-local}
spec:
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Delete
  storageClassName: %[1]s-local
  local: {path: /mnt/disks/%[1]s}
  nodeAffinity:
    required:
      nodeSelectorTerms: [{matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [%[2]s]}]}]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared, namespace: %[1]s}
spec: {storageClassName: %[1]s-nas, accessModes: [ReadWriteMany], resources: {requests: {storage: 8Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: ebs, namespace: %[1]s}
spec: {storageClassName: %[1]s-gp3, accessModes: [ReadWriteOnce], resources: {requests: {storage: 4Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: scratch, namespace: %[1]s}
spec: {storageClassName: %[1]s-local, accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: %[1]s, labels: {app: writer}}
spec:
  containers: [{name: c, image: docker.io/library/busybox:1.36,
    volumeMounts: [{name: shared, mountPath: /shared}, {name: ebs, mountPath: /ebs}, {name: scratch, mountPath: /scratch}]}]
  volumes:
  - {name: shared, persistentVolumeClaim: {claimName: shared}}
  - {name: ebs, persistentVolumeClaim: {claimName: ebs}}
  - {name: scratch, persistentVolumeClaim: {claimName: scratch}}
---
apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: %[1]s}
spec:
  affinity:
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: writer}}, topologyKey: kubernetes.io/hostname}]
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: shared, mountPath: /shared}]}]
  volumes: [{name: shared, persistentVolumeClaim: {claimName: shared}}]
`

// migrationTarget is the same-region cluster's classes and the restore configuration that converts
// NAS to disk and the foreign and local volumes to NAS. %[1]s is the namespace.
const migrationTarget = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[1]s-disk}
provisioner: ` + alibaba.DiskCSIDriver + `
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[1]s-cnfs-nas}
provisioner: ` + alibaba.NASCSIDriver + `
reclaimPolicy: Delete
---
apiVersion: v1
kind: ConfigMap
metadata: {name: %[1]s, namespace: velero}
data:
  storageClassMapping: |
    %[1]s-nas: %[1]s-disk
    %[1]s-gp3: %[1]s-cnfs-nas
    %[1]s-local: %[1]s-cnfs-nas
`

// fileFacts is what must survive a migration of each file: content, mode and size.
type fileFacts struct {
	SHA256 string
	Mode   fs.FileMode
	Size   int64
}

// Acceptance 1: a namespace whose volumes are a NAS claim two pods share, another cloud's disk and a
// local volume, backed up in cluster a and restored in a cluster of the same region with NAS converted
// to disk and the others to NAS: every file's SHA-256, mode and size come back, and the pods run only
// once their data is in.
func TestFilesystemMigrationToASameRegionCluster(t *testing.T) {
	parallel(t)
	src, ns := env.a, "fs-migration"
	writerNode := src.Nodes()[0].Name
	apply(t, src, ns, fmt.Sprintf(migrationApp, ns, writerNode))
	for _, class := range []string{"nas", "gp3", "local"} {
		t.Cleanup(func() {
			_, _ = src.Kubectl(context.Background(), nil, "delete", "storageclass", ns+"-"+class, "--ignore-not-found")
		})
	}
	require.NoError(t, os.MkdirAll(src.Nodes()[0].HostPath("/mnt/disks/"+ns), 0o755))
	volumes := map[string]string{"shared": "writer", "ebs": "writer", "scratch": "writer"}
	want := map[string]map[string]fileFacts{}
	for volume := range volumes {
		want[volume] = writeTree(t, src, ns, "writer", volume)
	}

	b := backup(t, src, ns, "--include-namespaces", ns)
	assert.Equal(t, 3, b.Status.BackupItemOperationsCompleted, "one operation per volume")
	details, err := src.Velero(ctx(t), "backup", "describe", ns, "--details")
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(flatten(details), "Backup Item Action Plugin: csdr.io/filesystem-volumes"), details)

	dst := startSameRegionCluster(t, "a2", nil)
	apply(t, dst, ns, fmt.Sprintf(migrationTarget, ns))
	waitForBackupSync(t, dst, ns)
	r := restore(t, dst, ns, ns, "--labels", "csdr.io/config="+ns)
	var records v1alpha1.FilesystemRestoreList
	require.NoError(t, dst.Client.List(ctx(t), &records, client.InNamespace(harness.VeleroNamespace),
		client.MatchingLabels{v1alpha1.RestoreNameLabel: r.Name}))
	require.Len(t, records.Items, 3)
	// The data is in when HBR's restore job completes; the claims bind only after that.
	state, err := env.cloud.HBRState(ctx(t))
	require.NoError(t, err)
	var dataIn time.Time
	for _, rec := range records.Items {
		assert.Equal(t, v1alpha1.PhaseCompleted, rec.Status.Phase, "%s: %s", rec.Name, rec.Status.Message)
		require.NotNil(t, rec.Status.HBR, rec.Name)
		done := restoreJobCompleted(t, state, rec.Status.HBR.RestoreID)
		if done.After(dataIn) {
			dataIn = done
		}
	}
	for claim, class := range map[string]string{"shared": ns + "-disk", "ebs": ns + "-cnfs-nas", "scratch": ns + "-cnfs-nas"} {
		var pvc corev1.PersistentVolumeClaim
		require.NoError(t, dst.Client.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: claim}, &pvc))
		assert.Equal(t, class, *pvc.Spec.StorageClassName, claim)
		assert.Equal(t, corev1.ClaimBound, pvc.Status.Phase, claim)
	}
	for volume, pod := range volumes {
		assert.Equal(t, want[volume], readTree(t, dst, ns, pod, volume), "files of volume %s", volume)
	}
	for _, name := range []string{"writer", "reader"} {
		var pod corev1.Pod
		require.NoError(t, dst.Client.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: name}, &pod))
		require.NotNil(t, pod.Status.StartTime, name)
		// Timestamps are whole seconds: a pod started in the second its last volume's data came in is fine.
		assert.False(t, pod.Status.StartTime.Time.Before(dataIn.Truncate(time.Second)),
			"pod %s started at %s, before the last volume's data was in at %s", name, pod.Status.StartTime, dataIn)
	}
}

// restoreJobCompleted is when the emulator's HBR finished a restore job.
func restoreJobCompleted(t *testing.T, st hbr.State, id string) time.Time {
	t.Helper()
	for _, j := range st.RestoreJobs {
		if j.ID == id {
			require.NotNil(t, j.Completed, "restore job %s is not complete", id)
			return *j.Completed
		}
	}
	require.Failf(t, "no restore job", "HBR holds no restore job %s", id)
	return time.Time{}
}

// writeTree writes a small tree of files with distinct modes, one of 1 MiB of random bytes, into a pod's
// volume and returns what each file must be after a restore.
func writeTree(t *testing.T, c *harness.Cluster, ns, pod, volume string) map[string]fileFacts {
	t.Helper()
	mount, err := c.VolumePath(ctx(t), ns, pod, volume)
	require.NoError(t, err)
	big := make([]byte, 1<<20)
	_, err = rand.Read(big)
	require.NoError(t, err)
	files := []struct {
		path string
		mode fs.FileMode
		data []byte
	}{
		{"README", 0o644, []byte(volume + " of " + ns + "\n")},
		{"bin/run.sh", 0o755, []byte("#!/bin/sh\necho " + volume + "\n")},
		{"secret/key", 0o600, []byte("not really a key\n")},
		{"data/blob.bin", 0o640, big},
	}
	for _, f := range files {
		p := filepath.Join(mount, f.path)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, f.data, f.mode))
		require.NoError(t, os.Chmod(p, f.mode))
	}
	return readTree(t, c, ns, pod, volume)
}

// readTree returns the SHA-256, mode and size of every regular file in a pod's volume.
func readTree(t *testing.T, c *harness.Cluster, ns, pod, volume string) map[string]fileFacts {
	t.Helper()
	mount, err := c.VolumePath(ctx(t), ns, pod, volume)
	require.NoError(t, err)
	root, err := filepath.EvalSymlinks(mount)
	require.NoError(t, err)
	out := map[string]fileFacts{}
	require.NoError(t, filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha256.Sum256(data)
		out[rel] = fileFacts{SHA256: hex.EncodeToString(sum[:]), Mode: info.Mode().Perm(), Size: info.Size()}
		return nil
	}))
	return out
}

// startSameRegionCluster starts a cluster in a's region with csdr-controller and Velero, stopped when
// the test ends. locations makes its locations before its server starts, as `velero install` does
// (the server syncs a location's backups when it starts); nil is a ReadOnly default location on the
// suite's vault.
func startSameRegionCluster(t *testing.T, name string, locations func(*harness.Cluster)) *harness.Cluster {
	t.Helper()
	c, err := env.session.StartClusterWith(ctx(t), name, harness.ClusterOptions{Region: env.a.Region()})
	if c != nil {
		t.Cleanup(c.Stop)
	}
	require.NoError(t, err)
	require.NoError(t, install(ctx(t), c))
	if locations == nil {
		require.NoError(t, createLocation(ctx(t), c, "default", vault, "ReadOnly"))
	} else {
		locations(c)
	}
	require.NoError(t, c.StartVelero(ctx(t)))
	require.NoError(t, c.WaitForLocation(ctx(t), "default", time.Minute))
	return c
}

// waitForBackupSync waits until Velero in c has synced backup name from the vault.
func waitForBackupSync(t *testing.T, c *harness.Cluster, name string) {
	t.Helper()
	_, err := c.WaitForBackup(ctx(t), name, 2*time.Minute)
	require.NoError(t, err)
}
