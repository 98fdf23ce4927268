//go:build e2e

package suite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// A StatefulSet's data moves with it from cluster A (cn-hangzhou) to cluster B (cn-beijing): the files
// its pod wrote before the backup are in its volume in B, byte for byte; what it wrote after the
// backup is not.
func TestDiskBytesSurviveMigration(t *testing.T) {
	parallel(t)
	const ns = "bytes-migrate"
	manifest := fmt.Sprintf(statefulDB, ns, alibaba.DiskCSIDriver)
	apply(t, env.a, ns, manifest)
	t.Cleanup(func() { _, _ = env.b.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false") })
	src, err := env.a.VolumePath(ctx(t), ns, "db-0", "data")
	require.NoError(t, err)
	files := map[string]string{"PG_VERSION": "16\n", "base/1/1259": "catalog pages", "pg_wal/000000010000000000000001": "wal segment"}
	for name, content := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(src, name)), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(src, name), []byte(content), 0o600))
	}
	atBackup := map[string]string{}
	for name := range files {
		atBackup[name] = sha(t, filepath.Join(src, name))
	}

	createSnapshotLocation(t, env.a, "bytes", "region=cn-hangzhou")
	createSnapshotLocation(t, env.b, "bytes", "region=cn-beijing,zone=cn-beijing-h")
	backup(t, env.a, "bytes", "--include-namespaces", ns, "--snapshot-volumes", "--volume-snapshot-locations", "bytes")
	t.Cleanup(func() { _, _ = env.a.Velero(context.Background(), "backup", "delete", "bytes", "--confirm") })
	require.NoError(t, os.WriteFile(filepath.Join(src, "PG_VERSION"), []byte("17\n"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(src, "after-backup"), []byte("not in the backup"), 0o600))

	_, err = env.b.WaitForBackup(ctx(t), "bytes", 90*time.Second)
	require.NoError(t, err)
	restore(t, env.b, "bytes", "bytes")
	dst, err := env.b.VolumePath(ctx(t), ns, "db-0", "data")
	require.NoError(t, err)
	node := runningOn(t, env.b, ns, "db-0")
	pv := boundVolume(t, env.b, ns, "data-db-0")
	disk, err := env.cloud.Disk(ctx(t), pv.Spec.CSI.VolumeHandle)
	require.NoError(t, err)
	assert.Equal(t, "cn-beijing", disk.Region)
	assert.Equal(t, disk.Zone, node.Zone, "the pod runs next to its disk")
	for name, want := range atBackup {
		assert.Equal(t, want, sha(t, filepath.Join(dst, name)), name)
	}
	assert.NoFileExists(t, filepath.Join(dst, "after-backup"))
}
