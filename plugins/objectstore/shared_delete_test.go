package objectstore

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
)

// `velero backup delete` in a cluster that did not make the backup: every object stays for its
// source, and the backup is gone from that cluster for good, and from clusters that join later.
func TestDeleteByAnotherClusterKeepsTheBackup(t *testing.T) {
	vault := newMemoryOSS()
	a, b, d := join(t, vault, "uid-a"), join(t, vault, "uid-b"), join(t, vault, "uid-d")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	a.backup(t, "other", velerov1.BackupPhaseCompleted)
	assert.Equal(t, []string{"n", "other"}, b.sync(t))
	assert.Equal(t, []string{"n", "other"}, d.sync(t), "d joins before the delete")
	vault.tick(time.Minute)
	before := vault.keys(vaultBucket, "velero/backups/")

	require.NoError(t, b.deleteBackup(t, "n"))
	assert.Equal(t, before, vault.keys(vaultBucket, "velero/backups/"), "every object of the backup stays")
	infos := matching(entries(b.log, logrus.InfoLevel), "was made by cluster")
	require.Len(t, infos, 1, "said once for the backup, not once per file: %q", infos)
	assert.Contains(t, infos[0], "backup n was made by cluster uid-a: kept in the vault for it; marked deleted for this cluster")

	vault.tick(time.Minute)
	assert.Equal(t, []string{"other"}, b.sync(t), "gone from b")
	assert.Equal(t, []string{"other"}, b.sync(t), "for good")
	assert.Equal(t, []string{"n", "other"}, a.sync(t), "still there for its source")
	assert.Equal(t, []string{"n", "other"}, d.sync(t), "still there for a member that joined before the delete")
	c := join(t, vault, "uid-c")
	assert.Equal(t, []string{"other"}, c.sync(t), "never seen by a cluster that joins afterwards")
	vault.tick(time.Minute)
	assert.Equal(t, []string{"other"}, c.sync(t), "nor at its next sync")

	// Deleting it again (a retried deletion) keeps the first tombstone's time.
	tomb := vault.modified[vaultBucket+"/velero/plugins/csdr/backups/n/deleted/uid-b"]
	require.NoError(t, join(t, vault, "uid-b").deleteBackup(t, "n"))
	assert.Equal(t, tomb, vault.modified[vaultBucket+"/velero/plugins/csdr/backups/n/deleted/uid-b"])
}

// `velero backup delete` in the source cluster: everything of the backup goes, its index entry with
// it, and the name is free for any cluster again.
func TestDeleteBySourceRemovesEverything(t *testing.T) {
	vault := newMemoryOSS()
	a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	a.backup(t, "n1", velerov1.BackupPhaseCompleted)
	b.sync(t)
	require.NoError(t, join(t, vault, "uid-b").deleteBackup(t, "n1"))

	require.NoError(t, a.deleteBackup(t, "n"))
	assert.Empty(t, vault.keys(vaultBucket, "velero/backups/n/"))
	assert.Empty(t, vault.keys(vaultBucket, "velero/plugins/csdr/backups/n/"))
	_, claimed := vault.object(vaultBucket, "velero/plugins/csdr/claims/n")
	assert.False(t, claimed, "the name is free")
	assert.NotEmpty(t, vault.keys(vaultBucket, "velero/backups/n1/"), "a backup whose name starts alike stays")
	assert.Equal(t, []string{"n1"}, a.sync(t))
	assert.Equal(t, []string(nil), nilIfEmpty(b.sync(t)), "b drops it (Velero deletes the Completed Backup the listing lacks)")

	require.NoError(t, a.deleteBackup(t, "n1"))
	assert.Empty(t, vault.keys(vaultBucket, "velero/backups/"))
	assert.Empty(t, vault.keys(vaultBucket, "velero/plugins/csdr/backups/"), "the tombstone goes with its backup")
	assert.Empty(t, vault.keys(vaultBucket, "velero/plugins/csdr/claims/"))
	assert.Len(t, vault.keys(vaultBucket, "velero/plugins/csdr/clusters/"), 2, "the members stay")

	b.backup(t, "n", velerov1.BackupPhaseCompleted)
	assert.Equal(t, "uid-b", storedBackup(t, vault, "n").Annotations["csdr.io/source-cluster"])
}

// A backup made before the index (or by the old plugin) is deleted by whichever cluster deletes it,
// as Velero always did.
func TestLegacyBackupBehavesAsBefore(t *testing.T) {
	vault := newMemoryOSS()
	require.NoError(t, vault.PutObject(t.Context(), vaultBucket, "velero/backups/old/velero-backup.json", bytes.NewReader(backupJSON(t, "old", velerov1.BackupPhaseCompleted))))
	require.NoError(t, vault.PutObject(t.Context(), vaultBucket, "velero/backups/old/old.tar.gz", strings.NewReader("tarball")))
	b := join(t, vault, "uid-b")
	assert.Equal(t, []string{"old"}, b.sync(t))
	assert.Equal(t, []string{"old"}, join(t, vault, "uid-c").sync(t))
	require.NoError(t, b.deleteBackup(t, "old"))
	assert.Empty(t, vault.keys(vaultBucket, "velero/backups/"))
	assert.Empty(t, vault.keys(vaultBucket, "velero/plugins/csdr/backups/"))
	assert.Empty(t, vault.keys(vaultBucket, "velero/plugins/csdr/claims/"))
}

// Without its identity a cluster cannot tell its backups from others': it writes and deletes nothing.
func TestIdentityErrorNeverDeletes(t *testing.T) {
	vault := newMemoryOSS()
	a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
	a.backup(t, "mine", velerov1.BackupPhaseCompleted)
	a.backup(t, "theirs", velerov1.BackupPhaseCompleted)
	before := vault.keys(vaultBucket, "")
	a.cluster.idErr = errors.New("read namespace kube-system for the cluster's identity: connection refused")
	b.cluster.idErr = a.cluster.idErr

	for _, m := range []*member{a, b} {
		for _, name := range []string{"mine", "theirs"} {
			err := m.deleteBackup(t, name)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "delete backup files from OSS bucket failed: this cluster's identity is unknown")
			assert.Contains(t, err.Error(), "connection refused; nothing was deleted")
		}
		body := strings.NewReader("logs of new")
		err := m.store.PutObject(vaultBucket, "velero/backups/new/new-logs.gz", body)
		assert.ErrorContains(t, err, "upload backup files to OSS bucket failed: this cluster's identity is unknown")
		assert.Zero(t, body.Len(), "Velero's stream is read to its end, so Velero reports this error")
		_, err = m.store.ListCommonPrefixes(vaultBucket, "velero/backups/", "/")
		assert.ErrorContains(t, err, "check backup files in OSS bucket failed: this cluster's identity is unknown")
	}
	assert.Equal(t, before, vault.keys(vaultBucket, ""))
}

// A claim that cannot be read is no licence to delete.
func TestDeleteWhenTheClaimCannotBeRead(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	b := join(t, vault, "uid-b")
	before := vault.keys(vaultBucket, "")
	vault.fail["GetObject shared-vault/velero/plugins/csdr/claims/n"] = denied()
	err := b.deleteBackup(t, "n")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "delete backup files from OSS bucket failed")
	assert.Contains(t, err.Error(), "nothing was deleted")
	assert.Equal(t, before, vault.keys(vaultBucket, ""))
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// matching are the entries that contain s.
func matching(entries []string, s string) []string {
	var out []string
	for _, e := range entries {
		if strings.Contains(e, s) {
			out = append(out, e)
		}
	}
	return out
}

// A source's deletion interrupted in the index or at velero-backup.json is finished by the next
// attempt, index entry and claim included, so the name does not stay taken.
func TestRetriedDeletionForgetsTheBackup(t *testing.T) {
	for _, failing := range []string{
		"DeleteObject shared-vault/velero/plugins/csdr/backups/n/completed",
		"DeleteObject shared-vault/velero/plugins/csdr/claims/n",
		"DeleteObject shared-vault/velero/backups/n/velero-backup.json",
	} {
		t.Run(failing, func(t *testing.T) {
			vault := newMemoryOSS()
			a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
			a.backup(t, "n", velerov1.BackupPhaseCompleted)
			vault.fail[failing] = denied()
			require.Error(t, a.deleteBackup(t, "n"))
			_, hasMetadata := vault.object(vaultBucket, "velero/backups/n/velero-backup.json")
			require.True(t, hasMetadata, "kept for the next attempt")
			b.cluster.phases["n"] = velerov1.BackupPhaseInProgress
			ok, err := b.store.ObjectExists(vaultBucket, "velero/backups/n/velero-backup.json")
			assert.True(t, ok || err != nil, "meanwhile the name is not free for another cluster: %v", err)

			delete(vault.fail, failing)
			require.NoError(t, join(t, vault, "uid-a").deleteBackup(t, "n"))
			assert.Empty(t, vault.keys(vaultBucket, "velero/backups/"))
			assert.Empty(t, vault.keys(vaultBucket, "velero/plugins/csdr/backups/"))
			assert.Empty(t, vault.keys(vaultBucket, "velero/plugins/csdr/claims/"))
		})
	}
}
