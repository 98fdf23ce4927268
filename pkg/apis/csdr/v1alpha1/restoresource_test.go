package v1alpha1

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFilesystemBackupRef(t *testing.T) {
	ns, name, err := ParseFilesystemBackupRef(FilesystemBackupRef("velero", "b-3f2b9c4e"), "other")
	require.NoError(t, err)
	assert.Equal(t, []string{"velero", "b-3f2b9c4e"}, []string{ns, name})
	ns, name, err = ParseFilesystemBackupRef("b-3f2b9c4e", "velero")
	require.NoError(t, err)
	assert.Equal(t, []string{"velero", "b-3f2b9c4e"}, []string{ns, name})
	for _, bad := range []string{"", "/x", "ns/", "a/b/c"} {
		_, _, err := ParseFilesystemBackupRef(bad, "velero")
		assert.ErrorContains(t, err, FilesystemBackupAnnotation, bad)
	}
}

func TestRestoreSourceOfARecord(t *testing.T) {
	rec := &FilesystemBackup{Spec: FilesystemBackupSpec{Backup: OwnerRef{Name: "b", UID: "bu"}, Claim: ClaimRef{Namespace: "ns", Name: "data", UID: claimUID},
		Volume: PersistentVolumeInfo{Name: "pv", Source: VolumeSourceCSI, Driver: "d"}}}
	rec.Namespace, rec.Name = "velero", "b-3f2b9c4e"
	_, err := rec.RestoreSource()
	assert.ErrorContains(t, err, "is New, not Completed")

	rec.Status = FilesystemBackupStatus{Phase: PhaseFailed, Message: "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"}
	_, err = rec.RestoreSource()
	assert.ErrorContains(t, err, "errMsg ClientNotExist")

	rec.Status = FilesystemBackupStatus{Phase: PhaseCompleted, HBR: &BackupJob{Vault: Vault{Region: "cn-hangzhou", VaultID: "v-1"}}}
	_, err = rec.RestoreSource()
	assert.ErrorContains(t, err, "names no vault, snapshot ID and hash")

	rec.Status.HBR.SnapshotID, rec.Status.HBR.SnapshotHash, rec.Status.Progress.BytesTotal = "s-1", "h1", 42
	src, err := rec.RestoreSource()
	require.NoError(t, err)
	assert.Equal(t, RestoreSource{Backup: rec.Spec.Backup, Claim: rec.Spec.Claim, Volume: &rec.Spec.Volume,
		Vault: Vault{Region: "cn-hangzhou", VaultID: "v-1"}, SnapshotID: "s-1", SnapshotHash: "h1", BytesTotal: 42}, src)
}
