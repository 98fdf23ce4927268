//go:build e2e

package suite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

// Not parallel: it compares the whole bucket before and after, and other tests add and expire backups.
func TestBackupDeleteRemovesItsObjectsOnly(t *testing.T) {
	deployWorkload(t, env.a, "delete-ns")
	backup(t, env.a, "delete-me", "--include-namespaces", "delete-ns")
	backup(t, env.a, "keep-me", "--include-namespaces", "delete-ns")
	before, err := env.cloud.Objects(ctx(t), vault, "")
	require.NoError(t, err)
	require.Subset(t, keys(t, vault, ""), backupKeys(vaultPrefix+"/", "delete-me"))

	_, err = env.a.Velero(ctx(t), "backup", "delete", "delete-me", "--confirm")
	require.NoError(t, err)
	eventually(t, time.Minute, "the Backup object to go", func() (bool, string) {
		_, err := env.a.Backup(ctx(t), "delete-me")
		return apierrors.IsNotFound(err), fmt.Sprint(err)
	})

	assert.Empty(t, keys(t, vault, vaultPrefix+"/backups/delete-me/"), "every object of the backup is gone")
	after, err := env.cloud.Objects(ctx(t), vault, "")
	require.NoError(t, err)
	now := map[string]uint64{}
	for _, o := range after {
		now[o.Key] = o.CRC64
	}
	deleted := map[string]bool{}
	for _, k := range backupKeys(vaultPrefix+"/", "delete-me") {
		deleted[k] = true
	}
	// The shared vault's index entry of the backup goes with it (its name is free again); the
	// entries of other backups stay.
	index := vaultindex.NewLayout(vaultPrefix)
	for _, o := range before {
		if o.Key == index.Claim("delete-me") || strings.HasPrefix(o.Key, index.BackupDir("delete-me")) {
			deleted[o.Key] = true
			assert.NotContains(t, now, o.Key, "the index entry of the deleted backup goes")
		}
	}
	for _, o := range before {
		if deleted[o.Key] {
			continue
		}
		crc, ok := now[o.Key]
		if assert.True(t, ok, "%s was deleted with another backup", o.Key) {
			assert.Equal(t, o.CRC64, crc, "%s changed", o.Key)
		}
	}
	assert.Subset(t, keys(t, vault, ""), backupKeys(vaultPrefix+"/", "keep-me"))
}
