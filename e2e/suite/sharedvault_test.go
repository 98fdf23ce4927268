//go:build e2e

package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// sharedApp is a pod with a disk claim (its data leaves the vault as an ECS snapshot) and a NAS claim
// (as an HBR snapshot). %[1]s is the namespace and the prefix of its classes.
const sharedApp = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[1]s-disk}
provisioner: ` + alibaba.DiskCSIDriver + `
reclaimPolicy: Delete
volumeBindingMode: WaitForFirstConsumer
parameters: {type: cloud_essd}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: %[1]s-nas}
provisioner: ` + alibaba.NASCSIDriver + `
reclaimPolicy: Delete
---
apiVersion: v1
kind: Namespace
metadata: {name: %[1]s}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: disk, namespace: %[1]s}
spec: {storageClassName: %[1]s-disk, accessModes: [ReadWriteOnce], resources: {requests: {storage: 20Gi}}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: files, namespace: %[1]s}
spec: {storageClassName: %[1]s-nas, accessModes: [ReadWriteMany], resources: {requests: {storage: 8Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: app, namespace: %[1]s}
spec:
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: disk, mountPath: /disk}, {name: files, mountPath: /files}]}]
  volumes: [{name: disk, persistentVolumeClaim: {claimName: disk}}, {name: files, persistentVolumeClaim: {claimName: files}}]
`

// failingBackup fails as a whole, deterministically, and is still written to the vault with phase
// Failed: Velero cannot turn its hook's selector into a selector (In with no values), which ends the
// backup before any item, after the existence check and before the upload. %[1]s is its name, %[2]s
// the location, %[3]s the namespace.
const failingBackup = `apiVersion: velero.io/v1
kind: Backup
metadata: {name: %[1]s, namespace: velero}
spec:
  storageLocation: %[2]s
  includedNamespaces: [%[3]s]
  snapshotVolumes: false
  hooks:
    resources:
    - name: unusable-selector
      labelSelector: {matchExpressions: [{key: app, operator: In, values: []}]}
      pre: [{exec: {command: [/bin/true]}}]
`

// Issue 13's acceptance 1-5, end to end: cluster a writes backups of a disk and a NAS volume to a
// vault that cluster b reads and writes too, and that cluster c joins later. Velero syncs once a
// minute, so the checks that must see two syncs watch in the background while the test goes on, and
// report in a subtest of their own. The three clusters are the test's own, so it runs in parallel
// with the suite: its minutes are mostly waiting for syncs.
func TestSharedVault(t *testing.T) {
	parallelFromTheStart(t)
	a, ns := startVaultCluster(t, "sv-a"), "sv-app"
	apply(t, a, ns, fmt.Sprintf(sharedApp, ns))
	want := map[string]map[string]fileFacts{}
	for _, volume := range []string{"disk", "files"} {
		want[volume] = writeTree(t, a, ns, "app", volume)
	}
	aID, err := a.Identity(ctx(t))
	require.NoError(t, err)
	inA := []string{"--storage-location", "default", "--include-namespaces", ns,
		"--snapshot-volumes", "--volume-snapshot-locations", sharedVSL}
	// a's backups that are left go with the test, snapshots included, while a still runs.
	t.Cleanup(func() {
		_, _ = a.Velero(context.Background(), "backup", "delete", "sv-one", "sv-failed", "--confirm")
		for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
			_, one := a.Backup(context.Background(), "sv-one")
			_, failed := a.Backup(context.Background(), "sv-failed")
			if apierrors.IsNotFound(one) && apierrors.IsNotFound(failed) {
				return
			}
		}
	})
	b := startVaultCluster(t, "sv-b")

	var failedAbsent, deletedAbsentB, deletedAbsentC *absence
	t.Run("1 a Completed backup reaches b within one sync period", func(t *testing.T) {
		_, err := a.Kubectl(ctx(t), strings.NewReader(fmt.Sprintf(failingBackup, "sv-failed", "default", ns)), "apply", "-f", "-")
		require.NoError(t, err)
		failed, err := a.WaitForBackup(ctx(t), "sv-failed", 2*time.Minute)
		require.NoError(t, err)
		require.Equal(t, velerov1.BackupPhaseFailed, failed.Status.Phase, failed.Status.FailureReason)
		failedAbsent = watchAbsence(b, "default", "sv-failed")
		// The record is in the vault, as stock Velero writes it: stock Velero in b would sync it.
		stored := storedBackup(t, "sv-failed")
		assert.Equal(t, velerov1.BackupPhaseFailed, stored.Status.Phase)
		assert.Equal(t, aID, stored.Annotations[v1alpha1.SourceClusterKey], "the vault records the backup's source")

		one := backup(t, a, "sv-one", inA...)
		done := time.Now()
		assert.Equal(t, 1, one.Status.VolumeSnapshotsCompleted, "the disk's ECS snapshot")
		assert.Equal(t, 1, one.Status.BackupItemOperationsCompleted, "the NAS volume's HBR job")
		eventually(t, harness.SyncPeriod+syncSlack+30*time.Second, "sv-one in cluster b", func() (bool, string) {
			_, err := b.Backup(ctx(t), "sv-one")
			return err == nil, fmt.Sprint(err)
		})
		took := time.Since(done)
		t.Logf("sv-one reached cluster b %s after it completed in a (sync period %s)", took.Round(time.Millisecond), harness.SyncPeriod)
		assert.LessOrEqual(t, took, harness.SyncPeriod+syncSlack, "within one sync period")
		got, err := b.Backup(ctx(t), "sv-one")
		require.NoError(t, err)
		assert.Equal(t, velerov1.BackupPhaseCompleted, got.Status.Phase)
	})

	t.Run("5 describe in b shows the source cluster and where each volume's data is", func(t *testing.T) {
		describedInB(t, a, b, "sv-one", ns, aID)
	})

	t.Run("1 a Failed backup never reaches b, over two syncs", func(t *testing.T) {
		require.NotNil(t, failedAbsent, "the Failed backup was made")
		failedAbsent.wait(t)
	})

	t.Run("4 a backup in b named like a's hidden one fails and touches nothing of a's", func(t *testing.T) {
		before := vaultObjects(t, "sv-failed")
		require.NotEmpty(t, before)
		_, err := b.Velero(ctx(t), "backup", "create", "sv-failed", "--include-namespaces", "default", "--wait")
		require.NoError(t, err)
		clash, err := b.Backup(ctx(t), "sv-failed")
		require.NoError(t, err)
		assert.Equal(t, velerov1.BackupPhaseFailed, clash.Status.Phase)
		assert.Contains(t, clash.Status.FailureReason, "backup already exists in OSS bucket")
		assert.Contains(t, clash.Status.FailureReason, aID, "the reason names the cluster that made it")
		t.Logf("failure reason in b: %s", clash.Status.FailureReason)
		assert.Equal(t, before, vaultObjects(t, "sv-failed"), "a's objects, index included, are byte for byte as they were")
		verifyBucket(t, sharedBucket)
		kept, err := a.Backup(ctx(t), "sv-failed")
		require.NoError(t, err)
		assert.Equal(t, velerov1.BackupPhaseFailed, kept.Status.Phase)
	})

	t.Run("2 a delete in b keeps every object and snapshot, and a can restore", func(t *testing.T) {
		files, ecsIDs, hbrIDs := backupFiles(t, "sv-one"), ecsSnapshotIDs(t, "sv-one"), hbrSnapshotIDs(t, a, "sv-one")
		require.NotEmpty(t, files)
		require.Len(t, ecsIDs, 1, "the disk's ECS snapshot")
		require.Len(t, hbrIDs, 1, "the NAS volume's HBR snapshot")
		_, err := b.Velero(ctx(t), "backup", "delete", "sv-one", "--confirm")
		require.NoError(t, err)
		waitBackupGone(t, b, "sv-one", 2*time.Minute)
		deletedAbsentB = watchAbsence(b, "default", "sv-one")

		kept, err := a.Backup(ctx(t), "sv-one")
		require.NoError(t, err)
		assert.Equal(t, velerov1.BackupPhaseCompleted, kept.Status.Phase)
		assert.Equal(t, files, backupFiles(t, "sv-one"), "every object of the backup, byte for byte")
		assert.ElementsMatch(t, ecsIDs, ecsSnapshotIDs(t, "sv-one"), "ECS snapshots")
		assert.ElementsMatch(t, hbrIDs, hbrSnapshotsPresent(t, hbrIDs), "HBR snapshots")

		restored := ns + "-restored"
		t.Cleanup(func() { _, _ = a.Kubectl(context.Background(), nil, "delete", "namespace", restored, "--wait=false") })
		restore(t, a, "sv-one-restore", "sv-one", "--namespace-mappings", ns+":"+restored)
		for volume, tree := range want {
			assert.Equal(t, tree, readTree(t, a, restored, "app", volume), "files of volume %s restored in a", volume)
		}
	})

	// c joins the vault after b's delete; it lives until the end, so that it sees sv-two come and go.
	c := startVaultCluster(t, "sv-c")
	deletedAbsentC = watchAbsence(c, "default", "sv-one")

	t.Run("3 a delete in a removes everything of the backup, and b drops it", func(t *testing.T) {
		backup(t, a, "sv-two", inA...)
		for _, cl := range []*harness.Cluster{b, c} {
			_, err := cl.WaitForBackup(ctx(t), "sv-two", harness.SyncPeriod+syncSlack+30*time.Second)
			require.NoError(t, err, "cluster %s", cl.Name)
		}
		ecsIDs, hbrIDs := ecsSnapshotIDs(t, "sv-two"), hbrSnapshotIDs(t, a, "sv-two")
		require.Len(t, ecsIDs, 1)
		require.Len(t, hbrIDs, 1)
		require.NotEmpty(t, vaultObjects(t, "sv-two"))

		_, err := a.Velero(ctx(t), "backup", "delete", "sv-two", "--confirm")
		require.NoError(t, err)
		waitBackupGone(t, a, "sv-two", 2*time.Minute)
		eventually(t, 2*time.Minute, "every object and snapshot of sv-two to go", func() (bool, string) {
			objs, ecs, hbr := vaultObjects(t, "sv-two"), ecsSnapshotIDs(t, "sv-two"), hbrSnapshotsPresent(t, hbrIDs)
			return len(objs)+len(ecs)+len(hbr) == 0, fmt.Sprintf("objects %v, ECS snapshots %v, HBR snapshots %v", keysOfFacts(objs), ecs, hbr)
		})
		for _, cl := range []*harness.Cluster{b, c} {
			waitBackupGone(t, cl, "sv-two", harness.SyncPeriod+syncSlack+30*time.Second)
		}
	})

	t.Run("2 the backup b deleted stays out of b, and c never shows it", func(t *testing.T) {
		require.NotNil(t, deletedAbsentB, "b deleted the backup")
		deletedAbsentB.wait(t)
		deletedAbsentC.wait(t)
	})
}
