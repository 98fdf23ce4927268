package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A velero server log as the restore benchmark reads it: lines of two restores, Velero's own lines
// with restore=velero/<name>, our plugin's with restore=<name>, and lines of no restore.
const serverLog = `time="2026-11-25T01:22:23Z" level=info msg="Validating BackupStorageLocation" controller=backup-storage-location
time="2026-11-25T01:22:24Z" level=info msg="Executing item action for pods" groupResource=pods name=job-0001 restore=velero/restore-b1
time="2026-11-25T01:22:24Z" level=info msg="Executing item action for pods" groupResource=pods name=job-0001 restore=velero/restore-b1
time="2026-11-25T01:22:24Z" level=info msg="imageRegistryMapping: container app: docker.io/library/nginx:1.27 -> registry.cn-beijing.aliyuncs.com/my-registry/nginx:1.27" cmd=/plugins/velero-plugin-for-alibabacloud kind=Pod pluginName=velero-plugin-for-alibabacloud restore=restore-b1
time="2026-11-25T01:22:24Z" level=info msg="Executing item action for persistentvolumeclaims" groupResource=persistentvolumeclaims restore=velero/restore-b1
time="2026-11-25T01:22:24Z" level=info msg="Executing item action for pods" groupResource=pods restore=velero/restore-b10
time="2026-11-25T01:22:24Z" level=info msg="listing" cmd=/plugins/velero-plugin-for-alibabacloud restore=restore-b10
time="2026-11-25T01:22:25Z" level=error msg="error restoring job-0002" error="admission webhook denied" restore=velero/restore-b1
time="2026-11-25T01:22:25Z" level=info msg="Executing item action for pods" cmd=/other/velero restore=velero/restore-c1
`

func TestScanRestoreLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "velero-server.log")
	require.NoError(t, os.WriteFile(path, []byte(serverLog), 0o644))

	tests := []struct {
		name        string
		restore     string
		offset      int64
		calls       map[string]int
		pluginLines int
		errors      int
	}{
		{"its own lines only, not those of restore-b10", "restore-b1", 0,
			map[string]int{"pods": 2, "persistentvolumeclaims": 1}, 1, 1},
		{"a name that others extend", "restore-b10", 0, map[string]int{"pods": 1}, 1, 0},
		{"another cluster's plugin is not ours", "restore-c1", 0, map[string]int{"pods": 1}, 0, 0},
		{"from the offset on", "restore-b1", int64(strings.Index(serverLog, `time="2026-11-25T01:22:25Z"`)),
			map[string]int{}, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanRestoreLog(path, tt.offset, tt.restore, "/plugins")
			require.NoError(t, err)
			assert.Equal(t, tt.calls, got.actionCalls)
			assert.Equal(t, tt.pluginLines, got.pluginLines)
			assert.Len(t, got.errors, tt.errors)
		})
	}
}
