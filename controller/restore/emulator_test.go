package restore

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

var files = map[string]string{"a.txt": "alpha", "dir/b.bin": string(make([]byte, 4096)), "dir/sub/c.txt": "gamma"}

// seed backs up files from a volume of node-a, as the backup side would, and returns the snapshot.
func (w *world) seed(t *testing.T, clusterID, vaultID string) *hbr.Snapshot {
	t.Helper()
	src := kubeletRoot + "/pods/pod-uid-src/volumes/kubernetes.io~csi/pv-src/mount"
	writeFiles(t, filepath.Join(w.rootDir, src), files)
	id, err := w.hbr.CreateBackupJob(ctx(t), hbr.BackupJobSpec{Region: region, VaultID: vaultID, ContainerClusterID: clusterID,
		Name: "nightly-7d1e4c2a-hbr", RetentionDays: 7, Since: time.Now(), Volume: hbr.Volume{PVName: "pv-src", PVUID: "pv-src-uid",
			PVCName: "data", Namespace: "shop", StorageClass: "alibabacloud-cnfs-nas", Size: "8Gi", NodeIP: nodeIP, NodePath: src}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		job, err := w.hbr.DescribeBackupJob(ctx(t), region, id)
		require.NoError(t, err)
		return job.Status.Terminal()
	}, 30*time.Second, 20*time.Millisecond)
	snaps, err := w.hbr.JobSnapshots(ctx(t), region, vaultID, id)
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	return snaps[0]
}

func admin(t *testing.T, srv *emulatortest.Server, method, path string, in, out any) {
	t.Helper()
	data, err := json.Marshal(in)
	require.NoError(t, err)
	req, err := http.NewRequest(method, srv.URL+path, bytes.NewReader(data))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, body)
	if out != nil {
		require.NoError(t, json.Unmarshal(body, out), string(body))
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// restoreJobs counts the emulator's restore jobs.
func (w *world) restoreJobs(t *testing.T) int {
	t.Helper()
	var st struct{ RestoreJobs []struct{ ID string } }
	admin(t, w.srv, http.MethodGet, "/_admin/hbr/state", nil, &st)
	return len(st.RestoreJobs)
}
