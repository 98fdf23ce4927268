package objectstore

import (
	"bytes"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
)

const takenMessage = `backup already exists in OSS bucket: backup "n" was made by cluster uid-a`

// A backup in b named like one of a's fails at its start with ACK's words, and nothing of a's backup
// is touched, whichever way b's Velero reaches the vault.
func TestNameCollisionIsRefused(t *testing.T) {
	vault := newMemoryOSS()
	a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	before := snapshotVault(vault)

	b.cluster.phases["n"] = velerov1.BackupPhaseInProgress
	_, err := b.store.ObjectExists(vaultBucket, "velero/backups/n/velero-backup.json")
	require.Error(t, err)
	assert.Equal(t, takenMessage, err.Error(), "the backup controller's check before it runs the backup")

	for _, file := range []string{"n-logs.gz", "velero-backup.json", "n.tar.gz"} {
		body := strings.NewReader("b's " + file)
		err := b.store.PutObject(vaultBucket, "velero/backups/n/"+file, body)
		require.Error(t, err, file)
		assert.Equal(t, takenMessage, err.Error())
		assert.Zero(t, body.Len(), "Velero's stream is read to its end, so Velero reports this error")
	}
	assert.Equal(t, before, snapshotVault(vault), "a's backup is byte-identical")

	b.cluster.phases["n"] = velerov1.BackupPhaseCompleted // synced from a
	ok, err := b.store.ObjectExists(vaultBucket, "velero/backups/n/velero-backup.json")
	require.NoError(t, err)
	assert.True(t, ok)
}

// The name is taken from a's first write, before a's velero-backup.json exists.
func TestNameIsTakenFromTheFirstWrite(t *testing.T) {
	vault := newMemoryOSS()
	a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
	require.NoError(t, a.store.PutObject(vaultBucket, "velero/backups/n/n-logs.gz", strings.NewReader("logs")))
	b.cluster.phases["n"] = velerov1.BackupPhaseInProgress
	_, err := b.store.ObjectExists(vaultBucket, "velero/backups/n/velero-backup.json")
	assert.EqualError(t, err, takenMessage)

	a.cluster.phases["n"] = velerov1.BackupPhaseInProgress
	ok, err := a.store.ObjectExists(vaultBucket, "velero/backups/n/velero-backup.json")
	require.NoError(t, err, "its own name")
	assert.False(t, ok)

	b.cluster.phaseErr = errors.New("connection refused")
	_, err = b.store.ObjectExists(vaultBucket, "velero/backups/n/velero-backup.json")
	assert.EqualError(t, err, `check backup files in OSS bucket failed: read backup "n" in this cluster: connection refused`)
}

// One claim per backup and process: Velero's many writes of a backup cost two more requests (read
// the claim, create it), not two per write.
func TestClaimIsRememberedWithinTheProcess(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	var claims []string
	for _, c := range vault.calls {
		if strings.HasSuffix(c, "/velero/plugins/csdr/claims/n") {
			claims = append(claims, c)
		}
	}
	assert.Equal(t, []string{"GetObject shared-vault/velero/plugins/csdr/claims/n", "CreateObject shared-vault/velero/plugins/csdr/claims/n"}, claims)
}

// Objects outside backups/ (restores, kopia, the plugin's own) are written as always.
func TestOtherObjectsAreNotClaimed(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	a.cluster.idErr = errors.New("no identity needed here")
	require.NoError(t, a.store.PutObject(vaultBucket, "velero/restores/r/restore-r-logs.gz", strings.NewReader("x")))
	require.NoError(t, a.store.DeleteObject(vaultBucket, "velero/restores/r/restore-r-logs.gz"))
	assert.Empty(t, vault.keys(vaultBucket, ""))
}

// snapshotVault copies every object's bytes.
func snapshotVault(m *memoryOSS) map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range maps.All(m.objects) {
		out[k] = bytes.Clone(v)
	}
	return out
}

// b's own backup of a name a holds was refused at its start; deleting it in b leaves a's backup as it
// is and visible to b, which then syncs it (no tombstone: b never had a's backup).
func TestDeletingARefusedBackupLeavesTheVaultAlone(t *testing.T) {
	vault := newMemoryOSS()
	a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	b.cluster.phases["n"] = velerov1.BackupPhaseFailed // refused at its start, so never annotated
	before := snapshotVault(vault)

	require.NoError(t, b.deleteBackup(t, "n"))
	assert.Equal(t, before, snapshotVault(vault), "nothing written, nothing deleted")
	said := matching(entries(b.log, logrus.InfoLevel), "is not cluster uid-a's backup of that name")
	require.Len(t, said, 1, "once per backup, not once per file")
	assert.Contains(t, said[0], "nothing in the vault is deleted")
	assert.Equal(t, []string{"n"}, b.sync(t))
	assert.Equal(t, "uid-a", b.cluster.annotations["n"]["csdr.io/source-cluster"], "a's backup, synced")

	require.NoError(t, b.deleteBackup(t, "n"), "deleting the synced copy, in the same process")
	_, tombstone := vault.object(vaultBucket, "velero/plugins/csdr/backups/n/deleted/uid-b")
	assert.True(t, tombstone)
}

// When this cluster's Backup cannot be read, the deletion fails and the vault stays as it was.
func TestDeleteWhenTheBackupHereCannotBeRead(t *testing.T) {
	vault := newMemoryOSS()
	a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	b.sync(t)
	before := snapshotVault(vault)
	b.cluster.phaseErr = errors.New("connection refused")
	err := b.deleteBackup(t, "n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `read backup "n" in this cluster: connection refused; nothing was deleted`)
	assert.Equal(t, before, snapshotVault(vault))
}
