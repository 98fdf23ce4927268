package objectstore

import (
	"bytes"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
)

// What each cluster's backup sync sees of one vault: its own backups in every phase, another's only
// once Completed, a legacy backup (no index entry) everywhere.
func TestSharedVaultVisibility(t *testing.T) {
	vault := newMemoryOSS()
	a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
	a.backup(t, "a-completed", velerov1.BackupPhaseCompleted)
	a.backup(t, "a-partial", velerov1.BackupPhasePartiallyFailed)
	a.backup(t, "a-failed", velerov1.BackupPhaseFailed)
	a.backup(t, "a-running", velerov1.BackupPhaseInProgress)
	b.backup(t, "b-failed", velerov1.BackupPhaseFailed)
	require.NoError(t, vault.PutObject(t.Context(), vaultBucket, "velero/backups/legacy/velero-backup.json", bytes.NewReader(backupJSON(t, "legacy", velerov1.BackupPhaseCompleted))))

	assert.Equal(t, []string{"a-completed", "a-failed", "a-partial", "a-running", "legacy"}, a.sync(t))
	assert.Equal(t, []string{"a-completed", "b-failed", "legacy"}, b.sync(t))

	// Asked by the sync whether a backup it listed exists, the store answers from the object alone.
	for _, name := range []string{"a-completed", "legacy"} {
		ok, err := b.store.ObjectExists(vaultBucket, "velero/backups/"+name+"/velero-backup.json")
		require.NoError(t, err)
		assert.True(t, ok, name)
	}
}

// The first listing makes a cluster a member, once; a location's validation lists the root, which
// is neither filtered nor a join.
func TestSyncJoinsTheVaultOnce(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	prefixes, err := a.store.ListCommonPrefixes(vaultBucket, "velero/", "/")
	require.NoError(t, err)
	assert.Empty(t, prefixes)
	assert.Empty(t, vault.keys(vaultBucket, "velero/plugins/csdr/clusters/"))

	a.sync(t)
	joined := vault.modified[vaultBucket+"/velero/plugins/csdr/clusters/uid-a"]
	require.False(t, joined.IsZero())
	vault.tick(time.Hour)
	vault.calls = nil
	a.sync(t)
	assert.Equal(t, joined, vault.modified[vaultBucket+"/velero/plugins/csdr/clusters/uid-a"], "a join time never moves")
	assert.NotContains(t, vault.calls, "CreateObject shared-vault/velero/plugins/csdr/clusters/uid-a", "a member does not join again")
	assert.Len(t, entries(a.log, logrus.InfoLevel), 1, "joining is said once")
}

// A cluster whose credentials cannot write still syncs, as a newcomer each time.
func TestSyncWithReadOnlyCredentials(t *testing.T) {
	vault := newMemoryOSS()
	a, b := join(t, vault, "uid-a"), join(t, vault, "uid-b")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	vault.fail["CreateObject shared-vault/velero/plugins/csdr/clusters/uid-b"] = denied()
	assert.Equal(t, []string{"n"}, b.sync(t))
	assert.Contains(t, entries(b.log, logrus.WarnLevel)[0], "could not record this cluster as a member of the vault")
}

func TestSyncFailsWhenTheIndexCannotBeRead(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	vault.fail["ListObjectInfos shared-vault/velero/plugins/csdr/"] = denied()
	_, err := a.store.ListCommonPrefixes(vaultBucket, "velero/backups/", "/")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "VaultError: backup vault is unavailable")
}

// Without a Cluster (benchmarks' baseline) the store is Velero's own: no index, no filter, and a
// delete deletes whatever cluster made the backup.
func TestWithoutClusterTheVaultIsVelerosOwn(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	a.backup(t, "n", velerov1.BackupPhaseFailed)
	deps := DefaultDependencies()
	deps.Environment = bslconfig.Environment{}
	deps.NewClient = func(oss.Config) (oss.Client, error) { return vault, nil }
	stock := New(logrus.New(), deps)
	require.NoError(t, stock.Init(map[string]string{"bucket": vaultBucket, "prefix": vaultPrefix, "region": "cn-hangzhou", "credentialsFile": credentialsFile(t)}))
	vault.calls = nil

	prefixes, err := stock.ListCommonPrefixes(vaultBucket, "velero/backups/", "/")
	require.NoError(t, err)
	assert.Equal(t, []string{"velero/backups/n/"}, prefixes, "a's failed backup is listed")
	keys, err := stock.ListObjects(vaultBucket, "velero/backups/n/")
	require.NoError(t, err)
	for _, k := range keys {
		require.NoError(t, stock.DeleteObject(vaultBucket, k))
	}
	assert.Empty(t, vault.keys(vaultBucket, "velero/backups/"))
	for _, c := range vault.calls {
		assert.NotContains(t, c, "plugins/csdr", "the index is not touched")
	}
}
