//go:build e2e

package suite

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/diff"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	csdr "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// The CRDs in deploy/crds, as `make generate` writes them, are applied server-side to a real API server,
// which must accept them (schemas, CEL rules and their cost) and then keep every field of a full record
// (nothing pruned), apply defaults, refuse what the markers say is invalid, and print the columns.
func TestCSDRCRDs(t *testing.T) {
	parallel(t)
	c := env.a
	ns := installCSDRCRDs(t, c, "csdr-crds")

	t.Run("a full FilesystemBackup round-trips", func(t *testing.T) {
		fsb := validFSB(ns, "round-trip")
		want := fsbStatus(fsb)
		require.NoError(t, c.Client.Create(ctx(t), fsb))
		fsb.Status = want
		require.NoError(t, c.Client.Status().Update(ctx(t), fsb))

		got := &csdr.FilesystemBackup{}
		require.NoError(t, c.Client.Get(ctx(t), client.ObjectKeyFromObject(fsb), got))
		wantSpec := validFSB(ns, "").Spec
		assert.True(t, equality.Semantic.DeepEqual(wantSpec, got.Spec), diff.ObjectReflectDiff(wantSpec, got.Spec))
		assert.True(t, equality.Semantic.DeepEqual(want, got.Status), diff.ObjectReflectDiff(want, got.Status))
		assert.Equal(t, corev1.PersistentVolumeFilesystem, got.Spec.Volume.VolumeMode, "defaulted")
	})

	t.Run("a full FilesystemRestore round-trips", func(t *testing.T) {
		fsr := validFSR(ns, "round-trip")
		wantSpec := *fsr.Spec.DeepCopy()
		require.NoError(t, c.Client.Create(ctx(t), fsr))
		want := csdr.FilesystemRestoreStatus{Phase: csdr.PhaseInProgress, Node: "a-node-2",
			Pod:        &csdr.PodRef{Namespace: ns, Name: fsr.Spec.Target.TemporaryPod, UID: "pod-uid", Temporary: true},
			VolumeName: "pvc-0b1c", HBR: &csdr.RestoreJob{ContainerClusterID: "cc-000b", CreatingSince: ptrTime(1), RestoreID: "r-000c"},
			Progress:       csdr.Progress{BytesDone: 3 << 20, BytesTotal: 4 << 20, ActualBytes: 3 << 20, Percent: csdr.Percent(7500)},
			StartTimestamp: ptrTime(2), Conditions: []metav1.Condition{condition(csdr.ConditionJobCreated)}}
		fsr.Status = want
		require.NoError(t, c.Client.Status().Update(ctx(t), fsr))

		got := &csdr.FilesystemRestore{}
		require.NoError(t, c.Client.Get(ctx(t), client.ObjectKeyFromObject(fsr), got))
		assert.True(t, equality.Semantic.DeepEqual(wantSpec, got.Spec), diff.ObjectReflectDiff(wantSpec, got.Spec))
		assert.True(t, equality.Semantic.DeepEqual(want, got.Status), diff.ObjectReflectDiff(want, got.Status))
	})

	t.Run("status changes only through the status subresource", func(t *testing.T) {
		fsb := validFSB(ns, "subresource")
		fsb.Status.Phase = csdr.PhaseCompleted
		require.NoError(t, c.Client.Create(ctx(t), fsb))
		assert.Empty(t, fsb.Status.Phase, "status dropped on create")
		fsb.Status.Phase = csdr.PhaseCompleted
		fsb.Spec.Cancel = true
		require.NoError(t, c.Client.Update(ctx(t), fsb))
		assert.Empty(t, fsb.Status.Phase, "status ignored on update")
		assert.True(t, fsb.Spec.Cancel)
	})

	t.Run("printer columns, short names and the velero category", func(t *testing.T) {
		fsb := validFSB(ns, "columns")
		require.NoError(t, c.Client.Create(ctx(t), fsb))
		fsb.Status = fsbStatus(fsb)
		require.NoError(t, c.Client.Status().Update(ctx(t), fsb))

		out, err := c.Kubectl(ctx(t), nil, "get", "fsb", "columns", "-n", ns, "-o", "wide")
		require.NoError(t, err)
		header, row := table(t, out)
		assert.Equal(t, []string{"NAME", "PHASE", "BYTES", "PROGRESS", "NODE", "AGE", "BACKUP", "CLAIM NAMESPACE", "CLAIM", "JOB"}, header)
		assert.Equal(t, []string{"columns", "InProgress", "1048576", "25%", "a-node-1"}, row[:5])
		assert.Equal(t, []string{"daily", "shop", "data", "job-000a"}, row[6:])

		require.NoError(t, c.Client.Create(ctx(t), validFSR(ns, "columns")))
		out, err = c.Kubectl(ctx(t), nil, "get", "fsr", "columns", "-n", ns, "-o", "wide")
		require.NoError(t, err)
		header, row = table(t, out)
		assert.Equal(t, []string{"NAME", "PHASE", "BYTES", "PROGRESS", "NODE", "AGE", "RESTORE", "CLAIM NAMESPACE", "CLAIM", "SNAPSHOT"}, header)
		assert.Equal(t, []string{"daily-to-b", "shop", "data", "s-000a"}, row[len(row)-4:])

		out, err = c.Kubectl(ctx(t), nil, "get", "velero", "-n", ns, "-o", "name")
		require.NoError(t, err)
		assert.Contains(t, out, "filesystembackup.csdr.io/columns")
		assert.Contains(t, out, "filesystemrestore.csdr.io/columns")
	})

	testCSDRValidation(t, c, ns)
}

// installCSDRCRDs applies deploy/crds server-side, waits until they are served and returns a fresh
// namespace for the records, removed with them when the test ends. The CRDs stay: applying them
// again is idempotent.
func installCSDRCRDs(t *testing.T, c *harness.Cluster, ns string) string {
	t.Helper()
	out, err := c.Kubectl(ctx(t), nil, "apply", "--server-side", "--field-manager=csdr-e2e",
		"-f", filepath.Join(env.layout.Repo, "deploy", "crds"))
	require.NoError(t, err, out)
	_, err = c.Kubectl(ctx(t), nil, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/filesystembackups.csdr.io", "crd/filesystemrestores.csdr.io")
	require.NoError(t, err)
	require.NoError(t, c.Client.Create(ctx(t), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	t.Cleanup(func() { _, _ = c.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false") })
	return ns
}

// validFSB is a record as the backup item action makes it for a NAS claim mounted by a Running pod.
func validFSB(ns, name string) *csdr.FilesystemBackup {
	return &csdr.FilesystemBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{
			csdr.BackupNameLabel: "daily", csdr.BackupUIDLabel: "backup-uid", csdr.PVCUIDLabel: "3f2b9c4e-claim-uid",
			csdr.AsyncOperationIDLabel: "fsb-" + name}},
		Spec: csdr.FilesystemBackupSpec{
			Backup: csdr.OwnerRef{Name: "daily", UID: "backup-uid"},
			Claim:  csdr.ClaimRef{Namespace: "shop", Name: "data", UID: "3f2b9c4e-claim-uid"},
			Volume: csdr.PersistentVolumeInfo{Name: "nas-650d", UID: "pv-uid", Source: csdr.VolumeSourceCSI,
				Driver: alibaba.NASCSIDriver, StorageClassName: "alibabacloud-cnfs-nas", Capacity: resource.MustParse("8Gi"),
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, VolumeMode: corev1.PersistentVolumeFilesystem},
			Retention: metav1.Duration{Duration: 720 * time.Hour},
			NodeHint:  &csdr.NodeHint{Pod: "db-0", Node: "a-node-1"},
		},
	}
}

// fsbStatus is the status of a backup record half way through its HBR job, every field set.
func fsbStatus(fsb *csdr.FilesystemBackup) csdr.FilesystemBackupStatus {
	return csdr.FilesystemBackupStatus{Phase: csdr.PhaseInProgress, Message: "HBR job running", Node: "a-node-1",
		Pod: &csdr.PodRef{Namespace: "shop", Name: "db-0", UID: "pod-uid"},
		HBR: &csdr.BackupJob{Vault: csdr.Vault{Region: "cn-hangzhou", VaultName: "ack-backup-data", VaultID: "v-000a"},
			ContainerClusterID: "cc-000a", JobName: csdr.HBRJobName(fsb.Spec.Backup.Name, fsb.Spec.Claim.UID),
			CreatingSince: ptrTime(1), JobID: "job-000a", SnapshotID: "s-000a", SnapshotHash: "f00d"},
		Progress:       csdr.Progress{BytesDone: 1 << 20, BytesTotal: 4 << 20, ActualBytes: 1 << 20, Percent: csdr.Percent(2500)},
		StartTimestamp: ptrTime(2), CompletionTimestamp: ptrTime(3),
		Conditions: []metav1.Condition{condition(csdr.ConditionVolumeMounted), condition(csdr.ConditionJobCreated)}}
}

// validFSR is a record as the restore item action makes it from a backup record.
func validFSR(ns, name string) *csdr.FilesystemRestore {
	src := validFSB(ns, "").Spec
	return &csdr.FilesystemRestore{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: csdr.FilesystemRestoreSpec{
			Restore: csdr.OwnerRef{Name: "daily-to-b", UID: "restore-uid"},
			Source: csdr.RestoreSource{Backup: src.Backup, Claim: src.Claim, Volume: &src.Volume,
				Vault:      csdr.Vault{Region: "cn-hangzhou", VaultName: "ack-backup-data", VaultID: "v-000a"},
				SnapshotID: "s-000a", SnapshotHash: "f00d", BytesTotal: 4 << 20},
			Target: csdr.RestoreTarget{Claim: csdr.ClaimRef{Namespace: "shop", Name: "data"},
				StorageClassName: "alicloud-disk-essd", TemporaryClaim: "fsr-" + name, TemporaryPod: "fsr-" + name},
		},
	}
}

// ptrTime is a whole second (what the API server keeps of a time) in the local zone (how it reads back).
func ptrTime(s int64) *metav1.Time {
	t := metav1.Unix(1796300000+s, 0)
	return &t
}

func condition(typ string) metav1.Condition {
	return metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: "Done", Message: typ + " done",
		LastTransitionTime: *ptrTime(0)}
}

// table splits kubectl's table output into its header and first row, on runs of 2 or more spaces
// (single spaces are inside a column's name).
func table(t *testing.T, out string) (header, row []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.GreaterOrEqual(t, len(lines), 2, out)
	split := regexp.MustCompile(`\s{2,}`)
	return split.Split(strings.TrimSpace(lines[0]), -1), split.Split(strings.TrimSpace(lines[1]), -1)
}
