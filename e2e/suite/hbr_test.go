//go:build e2e

package suite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// hbrPods is a NAS volume with files in it, used by a pod on one node, and an empty NAS volume used by
// a pod on another node, for the files to be restored into.
const hbrPods = `apiVersion: storage.k8s.io/v1
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
kind: PersistentVolumeClaim
metadata: {name: target, namespace: %[1]s}
spec: {storageClassName: %[1]s, accessModes: [ReadWriteMany], resources: {requests: {storage: 8Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: %[1]s}
spec:
  nodeSelector: {kubernetes.io/hostname: %[2]s}
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: v, mountPath: /data}]}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: Pod
metadata: {name: restored, namespace: %[1]s}
spec:
  nodeSelector: {kubernetes.io/hostname: %[3]s}
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: v, mountPath: /data}]}]
  volumes: [{name: v, persistentVolumeClaim: {claimName: target}}]
`

// Cloud Backup reads a pod's volume on the node that mounts it, through the node's hbr-client that
// the harness registered, and writes it back into another pod's volume on another node; a node whose
// agent is gone fails the job as ACK reports it.
func TestHBRBacksUpAPodVolumeFromItsNode(t *testing.T) {
	c, ns := env.a, "hbr-volume"
	nodes := c.Nodes()
	require.GreaterOrEqual(t, len(nodes), 2)
	apply(t, c, ns, fmt.Sprintf(hbrPods, ns, nodes[0].Name, nodes[1].Name))
	source, err := c.VolumePath(ctx(t), ns, "app", "v")
	require.NoError(t, err)
	target, err := c.VolumePath(ctx(t), ns, "restored", "v")
	require.NoError(t, err)
	files := map[string]string{"PG_VERSION": "16\n", "base/1/1259": strings.Repeat("pg_class ", 4096), "logs/today.log": "started\n"}
	for name, content := range files {
		require.NoError(t, os.MkdirAll(filepath.Join(source, filepath.Dir(name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(source, name), []byte(content), 0o640))
	}

	client, err := env.cloud.HBRClient()
	require.NoError(t, err)
	region := c.Region()
	vault, err := client.EnsureVault(ctx(t), region, "ack-backup-data")
	require.NoError(t, err)
	identity, err := c.Identity(ctx(t))
	require.NoError(t, err)
	cluster, err := client.EnsureContainerCluster(ctx(t), region, hbr.ContainerClusterSpec{Identifier: identity, Name: c.Name})
	require.NoError(t, err)
	pv := boundVolume(t, c, ns, "data")
	backupOf := func(name string, node harness.Node, mount string) *hbr.BackupJob {
		id, err := client.CreateBackupJob(ctx(t), hbr.BackupJobSpec{Region: region, VaultID: vault.ID, ContainerClusterID: cluster.ID,
			Name: name, RetentionDays: 1, Since: time.Now(), Volume: hbr.Volume{PVName: pv.Name, PVUID: string(pv.UID),
				PVCName: "data", Namespace: ns, StorageClass: ns, Size: "8Gi", NodeIP: node.InternalIP, NodePath: nodePath(t, node, mount)}})
		require.NoError(t, err)
		var job *hbr.BackupJob
		eventually(t, time.Minute, "backup job "+id+" to end", func() (bool, string) {
			job, err = client.DescribeBackupJob(ctx(t), region, id)
			require.NoError(t, err)
			return job.Status.Terminal(), string(job.Status)
		})
		return job
	}

	job := backupOf(ns+"-hbr", nodes[0], source)
	require.NoError(t, job.Err())
	snaps, err := client.JobSnapshots(ctx(t), region, vault.ID, job.ID)
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	restoreID, err := client.CreateRestoreJob(ctx(t), hbr.RestoreJobSpec{Region: region, VaultID: vault.ID, SnapshotID: snaps[0].ID,
		TargetContainerClusterID: cluster.ID, TargetNode: nodes[1].Name, TargetPath: nodePath(t, nodes[1], target), Since: time.Now()})
	require.NoError(t, err)
	eventually(t, time.Minute, "restore job "+restoreID+" to end", func() (bool, string) {
		r, err := client.DescribeRestoreJob(ctx(t), region, vault.ID, restoreID)
		require.NoError(t, err)
		require.NoError(t, r.Err())
		return r.Status.Terminal(), string(r.Status)
	})
	for name := range files {
		assert.Equal(t, sha(t, filepath.Join(source, name)), sha(t, filepath.Join(target, name)), name)
		info, err := os.Stat(filepath.Join(target, name))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o640), info.Mode().Perm(), name)
	}

	require.NoError(t, env.cloud.RemoveHBRAgent(ctx(t), identity, nodes[0].Name))
	t.Cleanup(func() { _ = env.cloud.AddHBRAgent(context.Background(), identity, nodes[0]) })
	failed := backupOf(ns+"-again-hbr", nodes[0], source)
	var jobErr *hbr.JobError
	require.True(t, errors.As(failed.Err(), &jobErr), "%v", failed.Err())
	assert.Equal(t, "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist", failed.Err().Error())
}

// nodePath is where a host path of a node's directory is on the node itself.
func nodePath(t *testing.T, n harness.Node, hostPath string) string {
	t.Helper()
	p, err := n.NodePath(hostPath)
	require.NoError(t, err)
	return p
}
