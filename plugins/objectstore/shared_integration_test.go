package objectstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// The shared vault with the real OSS client against the emulator over HTTP: forbid-overwrite claims,
// server LastModified times, paged listings, as OSS answers them.

func newVaultEmulator(t *testing.T) *emulatortest.Server {
	t.Helper()
	return emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: "LTAI-test", AccessKeySecret: "test-secret-value"}},
		Buckets:     []string{vaultBucket},
	})
}

// joinEmulator is cluster id's object store on the emulator's vault, with the credentials file
// credentialsFile writes, as velero server hands it to the plugin.
func joinEmulator(t *testing.T, srv *emulatortest.Server, id string) *member {
	t.Helper()
	return joinVia(t, func(cfg oss.Config) (oss.Client, error) {
		cfg.RetryMaxAttempts = 2
		return oss.New(cfg)
	}, id, map[string]string{"endpoint": srv.URL})
}

// vaultState is every object of the bucket under prefix and its CRC-64, as the emulator stores it.
func vaultState(t *testing.T, srv *emulatortest.Server, prefix string) map[string]uint64 {
	t.Helper()
	keys, err := srv.OSS().ListKeys(vaultBucket, prefix)
	require.NoError(t, err)
	out := map[string]uint64{}
	for _, k := range keys {
		info, err := srv.OSS().ObjectInfo(vaultBucket, k)
		require.NoError(t, err)
		out[k] = info.CRC64
	}
	return out
}

// nextSecond waits until the wall clock, which the emulator stamps objects with, is in a new second:
// OSS times are whole seconds, and "joined before the delete" needs two different ones.
func nextSecond() {
	now := time.Now()
	time.Sleep(now.Truncate(time.Second).Add(time.Second + 10*time.Millisecond).Sub(now))
}

func TestSharedVaultOverOSS(t *testing.T) {
	srv := newVaultEmulator(t)
	a, b := joinEmulator(t, srv, "uid-a"), joinEmulator(t, srv, "uid-b")
	a.backup(t, "done", velerov1.BackupPhaseCompleted, nativeSnapshot("shop", "db", "d-1", "cn-hangzhou/s-bp1aaa"))
	a.backup(t, "broken", velerov1.BackupPhaseFailed)
	a.backup(t, "running", velerov1.BackupPhaseInProgress)

	assert.Equal(t, []string{"done"}, b.sync(t), "another cluster's in-progress and failed backups stay hidden")
	assert.Equal(t, []string{"broken", "done", "running"}, a.sync(t), "the source sees all of its own")
	ok, err := b.store.ObjectExists(vaultBucket, "velero/backups/done/velero-backup.json")
	require.NoError(t, err)
	assert.True(t, ok, "the sync's existence check of a visible backup")

	data, _, err := srv.OSS().Object(vaultBucket, "velero/backups/done/velero-backup.json")
	require.NoError(t, err)
	assert.Contains(t, string(data), `"csdr.io/source-cluster":"uid-a"`)
	assert.Contains(t, string(data), `s-bp1aaa`)
}

func TestDeleteByAnotherClusterOverOSS(t *testing.T) {
	srv := newVaultEmulator(t)
	a, b, d := joinEmulator(t, srv, "uid-a"), joinEmulator(t, srv, "uid-b"), joinEmulator(t, srv, "uid-d")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	assert.Equal(t, []string{"n"}, b.sync(t))
	assert.Equal(t, []string{"n"}, d.sync(t))
	before := vaultState(t, srv, "velero/backups/")
	nextSecond()

	require.NoError(t, b.deleteBackup(t, "n"))
	assert.Equal(t, before, vaultState(t, srv, "velero/backups/"), "every object stays, byte for byte")
	assert.Empty(t, b.sync(t), "gone from the cluster that deleted it")
	assert.Equal(t, []string{"n"}, a.sync(t), "kept for its source")
	assert.Equal(t, []string{"n"}, d.sync(t), "kept for a member that joined before the delete")

	nextSecond()
	c := joinEmulator(t, srv, "uid-c")
	assert.Empty(t, c.sync(t), "a cluster that joins afterwards never sees it")
	assert.Empty(t, c.sync(t), "not at its next sync either")
	assert.Empty(t, b.sync(t), "nor does the deleting cluster, ever")
}

func TestDeleteBySourceOverOSS(t *testing.T) {
	srv := newVaultEmulator(t)
	a, b := joinEmulator(t, srv, "uid-a"), joinEmulator(t, srv, "uid-b")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	b.sync(t)
	require.NoError(t, a.deleteBackup(t, "n"))
	assert.Empty(t, vaultState(t, srv, "velero/backups/"))
	assert.Empty(t, vaultState(t, srv, "velero/plugins/csdr/backups/"))
	assert.Empty(t, vaultState(t, srv, "velero/plugins/csdr/claims/"))
	assert.Empty(t, b.sync(t))
}

func TestNameCollisionOverOSS(t *testing.T) {
	srv := newVaultEmulator(t)
	a, b := joinEmulator(t, srv, "uid-a"), joinEmulator(t, srv, "uid-b")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	before := vaultState(t, srv, "")

	b.cluster.phases["n"] = velerov1.BackupPhaseInProgress
	_, err := b.store.ObjectExists(vaultBucket, "velero/backups/n/velero-backup.json")
	assert.EqualError(t, err, takenMessage)
	err = b.store.PutObject(vaultBucket, "velero/backups/n/velero-backup.json", strings.NewReader(string(backupJSON(t, "n", velerov1.BackupPhaseInProgress))))
	assert.EqualError(t, err, takenMessage)
	assert.Equal(t, before, vaultState(t, srv, ""), "a's backup reads back CRC-identical")
}

func TestLegacyBackupOverOSS(t *testing.T) {
	srv := newVaultEmulator(t)
	_, err := srv.OSS().PutObject(vaultBucket, "velero/backups/old/velero-backup.json", backupJSON(t, "old", velerov1.BackupPhaseCompleted))
	require.NoError(t, err)
	_, err = srv.OSS().PutObject(vaultBucket, "velero/backups/old/old.tar.gz", []byte("tarball"))
	require.NoError(t, err)
	b := joinEmulator(t, srv, "uid-b")
	assert.Equal(t, []string{"old"}, b.sync(t))
	require.NoError(t, b.deleteBackup(t, "old"))
	assert.Empty(t, vaultState(t, srv, "velero/backups/"))
}

func TestIdentityErrorOverOSS(t *testing.T) {
	srv := newVaultEmulator(t)
	a, b := joinEmulator(t, srv, "uid-a"), joinEmulator(t, srv, "uid-b")
	a.backup(t, "n", velerov1.BackupPhaseCompleted)
	before := vaultState(t, srv, "")
	for _, m := range []*member{a, b} {
		m.cluster.idErr = errors.New("connection refused")
		assert.ErrorContains(t, m.deleteBackup(t, "n"), "nothing was deleted")
	}
	assert.Equal(t, before, vaultState(t, srv, ""))
}
