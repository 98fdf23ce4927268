//go:build e2e

package suite

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
)

// flakyBucket is taken away and brought back; it has a location of its own so other tests go on.
const flakyBucket = "cnfs-oss-flaky"

func TestLocationUnavailableWhileTheBucketIsGone(t *testing.T) {
	parallel(t)
	require.NoError(t, createLocation(ctx(t), env.a, "flaky", flakyBucket, "ReadWrite"))
	t.Cleanup(func() { _, _ = env.a.Velero(ctx(t), "backup-location", "delete", "flaky", "--confirm") })
	require.NoError(t, env.a.WaitForLocation(ctx(t), "flaky", time.Minute))
	deployWorkload(t, env.a, "vault-ns")
	backup(t, env.a, "before-outage", "--include-namespaces", "vault-ns", "--storage-location", "flaky")
	stored := keys(t, flakyBucket, "backups/before-outage/")
	require.ElementsMatch(t, backupKeys("", "before-outage"), stored)

	require.NoError(t, env.cloud.SetBucketOnline(ctx(t), flakyBucket, false))
	loc, err := env.a.WaitForLocationPhase(ctx(t), "flaky", velerov1.BackupStorageLocationPhaseUnavailable, time.Minute)
	require.NoError(t, err)
	assert.Contains(t, loc.Status.Message, "VaultError: backup vault is unavailable: ")
	assert.Contains(t, loc.Status.Message, "NoSuchBucket")
	assert.Contains(t, loc.Status.Message, "request id ", "the OSS request ID is kept for support")
	t.Logf("location message while the bucket is gone: %s", loc.Status.Message)

	_, err = env.a.Velero(ctx(t), "backup", "create", "during-outage", "--include-namespaces", "vault-ns",
		"--storage-location", "flaky", "--wait")
	require.NoError(t, err)
	refused, err := env.a.Backup(ctx(t), "during-outage")
	require.NoError(t, err)
	assert.Equal(t, velerov1.BackupPhaseFailedValidation, refused.Status.Phase, "Velero refuses backups to an unavailable vault")

	require.NoError(t, env.cloud.SetBucketOnline(ctx(t), flakyBucket, true))
	_, err = env.a.WaitForLocationPhase(ctx(t), "flaky", velerov1.BackupStorageLocationPhaseAvailable, time.Minute)
	require.NoError(t, err)

	kept, err := env.a.Backup(ctx(t), "before-outage")
	require.NoError(t, err, "no backup is lost while the vault is away")
	assert.Equal(t, velerov1.BackupPhaseCompleted, kept.Status.Phase)
	assert.ElementsMatch(t, stored, keys(t, flakyBucket, "backups/before-outage/"))
	backup(t, env.a, "after-outage", "--include-namespaces", "vault-ns", "--storage-location", "flaky")
}
