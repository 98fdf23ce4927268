package vaultindex_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

func TestLayoutKeys(t *testing.T) {
	// As Velero's ObjectStoreLayout joins them: path.Join(prefix, "backups") + "/".
	for prefix, p := range map[string]string{"": "", "velero": "velero/", "velero/": "velero/", "a//b/": "a/b/", "/a/b": "/a/b/"} {
		l := vaultindex.NewLayout(prefix)
		assert.Equal(t, p+"plugins/csdr/", l.Root())
		assert.Equal(t, p+"plugins/csdr/claims/nightly-1", l.Claim("nightly-1"))
		assert.Equal(t, p+"plugins/csdr/backups/nightly-1/source/uid-a", l.Source("nightly-1", "uid-a"))
		assert.Equal(t, p+"plugins/csdr/backups/nightly-1/completed", l.Completed("nightly-1"))
		assert.Equal(t, p+"plugins/csdr/backups/nightly-1/deleted/uid-b", l.Deleted("nightly-1", "uid-b"))
		assert.Equal(t, p+"plugins/csdr/clusters/uid-c", l.Member("uid-c"))
		assert.Equal(t, p+"backups/", l.VeleroBackups())
		assert.Equal(t, p+"backups/nightly-1/velero-backup.json", l.VeleroMetadata("nightly-1"))
	}
}

func TestParseVeleroKey(t *testing.T) {
	l := vaultindex.NewLayout("velero")
	tests := []struct {
		key, backup, file string
		ok                bool
	}{
		{"velero/backups/b1/velero-backup.json", "b1", "velero-backup.json", true},
		{"velero/backups/b1/b1.tar.gz", "b1", "b1.tar.gz", true},
		{"velero/backups/b1/sub/dir", "b1", "sub/dir", true},
		{"velero/backups/b1/", "", "", false},
		{"velero/backups/b1", "", "", false},
		{"velero/restores/r1/restore-r1-logs.gz", "", "", false},
		{"backups/b1/velero-backup.json", "", "", false},
		{"velero/plugins/csdr/claims/b1", "", "", false},
	}
	for _, tt := range tests {
		backup, file, ok := l.ParseVeleroKey(tt.key)
		assert.Equal(t, tt.ok, ok, tt.key)
		assert.Equal(t, tt.backup, backup, tt.key)
		assert.Equal(t, tt.file, file, tt.key)
	}
	for dir, want := range map[string]string{"velero/backups/b1/": "b1", "velero/backups/": "", "velero/backups/a/b/": "", "other/b1/": ""} {
		got, ok := l.ParseVeleroBackupDir(dir)
		assert.Equal(t, want, got, dir)
		assert.Equal(t, want != "", ok, dir)
	}
	assert.True(t, l.IsVeleroBackups("velero/backups/"))
	assert.False(t, l.IsVeleroBackups("velero/"))
}

func TestCheckIdentity(t *testing.T) {
	for id, ok := range map[string]bool{
		"5a1c3f2e-0d6b-4a57-9f0e-7c2b1a9d8e33": true, "prod_east.1": true,
		"": false, ".": false, "..": false, "a/b": false, `a\b`: false, "a b": false, "a\n": false,
	} {
		err := vaultindex.CheckIdentity(id)
		if ok {
			assert.NoError(t, err, id)
		} else {
			assert.ErrorContains(t, err, "cannot name an object in the vault", id)
		}
	}
}
