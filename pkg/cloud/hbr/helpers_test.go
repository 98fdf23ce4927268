package hbr_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	emuhbr "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

const (
	testAK      = "LTAI-hbr-test"
	testSK      = "hbr-test-secret"
	region      = "cn-hangzhou"
	identifier  = "0f3c6a1e-kube-system-uid"
	nodeName    = "a-node-1"
	nodeIP      = "192.0.2.11"
	kubeletRoot = "/var/lib/kubelet"
)

type staticCreds credentials.Credentials

func (s staticCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials(s), nil
}

func newEnv(t *testing.T) (*emulatortest.Server, hbr.Client) {
	t.Helper()
	srv := emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: testAK, AccessKeySecret: testSK}},
		HBR:         emuhbr.Options{JobStartDelay: 10 * time.Millisecond, VaultInitDelay: 10 * time.Millisecond},
	})
	return srv, newClientOn(t, srv.URL, testSK, clock.RealClock{})
}

// newClientOn returns a client with a throttling backoff of its own (Clock set), so no test's
// throttling slows or breaks another's.
func newClientOn(t *testing.T, endpoint, secret string, clk clock.WithTicker) hbr.Client {
	t.Helper()
	c, err := hbr.New(hbr.Config{Endpoint: endpoint, Credentials: staticCreds{AccessKeyID: testAK, AccessKeySecret: secret}, Clock: clk})
	require.NoError(t, err)
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

// admin calls the emulator's admin API and decodes its JSON answer into out, when out is not nil.
func admin(t *testing.T, srv *emulatortest.Server, method, path string, in, out any) {
	t.Helper()
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		require.NoError(t, err)
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, srv.URL+path, body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Less(t, resp.StatusCode, 300, "%s %s: %s", method, path, data)
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), string(data))
	}
}

// node is a fake node's filesystem: rootDir plays "/".
type node struct {
	name, ip, rootDir string
}

// hostPath is where a node path lives on this machine.
func (n node) hostPath(nodePath string) string { return filepath.Join(n.rootDir, nodePath) }

// addAgent registers the hbr-client agent of a node of the test's cluster.
func addAgent(t *testing.T, srv *emulatortest.Server, name, ip string) node {
	t.Helper()
	return addAgentOf(t, srv, identifier, name, ip)
}

// addAgentOf registers a node's hbr-client agent with the emulator, as installing the DaemonSet would.
func addAgentOf(t *testing.T, srv *emulatortest.Server, cluster, name, ip string) node {
	t.Helper()
	n := node{name: name, ip: ip, rootDir: t.TempDir()}
	admin(t, srv, http.MethodPost, "/_admin/hbr/agents", map[string]string{"cluster": cluster, "node": name, "ip": ip,
		"region": region, "rootDir": n.rootDir, "kubeletRoot": kubeletRoot}, nil)
	return n
}

// state is the part of the emulator's GET /_admin/hbr/state the tests read.
type state struct {
	Vaults      []struct{ ID string }
	Clusters    []struct{ ID string }
	BackupJobs  []struct{ ID string }
	RestoreJobs []struct{ ID string }
	Store       struct{ BytesWritten int64 }
	Stats       struct{ Operations map[string]int }
}

func hbrState(t *testing.T, srv *emulatortest.Server) state {
	t.Helper()
	var st state
	admin(t, srv, http.MethodGet, "/_admin/hbr/state", nil, &st)
	return st
}

func storeBytesWritten(t *testing.T, srv *emulatortest.Server) int64 {
	t.Helper()
	return hbrState(t, srv).Store.BytesWritten
}

// deleteVault deletes a vault as a user would in the console.
func deleteVault(t *testing.T, srv *emulatortest.Server, id string) {
	t.Helper()
	admin(t, srv, http.MethodDelete, "/_admin/hbr/vaults/"+id, nil, nil)
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

func settings(t *testing.T, srv *emulatortest.Server, s map[string]any) {
	t.Helper()
	admin(t, srv, http.MethodPost, "/_admin/hbr/settings", s, nil)
}

// volumePath is the node path of a CSI volume of a pod, as the kubelet lays it out.
func volumePath(podUID, pv string) string {
	return kubeletRoot + "/pods/" + podUID + "/volumes/kubernetes.io~csi/" + pv + "/mount"
}

// writeFiles writes files (relative name -> content) under a node path.
func writeFiles(t *testing.T, n node, nodePath string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(n.hostPath(nodePath), name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// waitJob polls a backup job until it ends.
func waitJob(t *testing.T, c hbr.Client, jobID string) *hbr.BackupJob {
	t.Helper()
	var job *hbr.BackupJob
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		var err error
		job, err = c.DescribeBackupJob(ctx(t), region, jobID)
		if assert.NoError(c2, err) {
			assert.True(c2, job.Status.Terminal(), "status %s", job.Status)
		}
	}, 30*time.Second, 20*time.Millisecond)
	return job
}

func waitRestore(t *testing.T, c hbr.Client, vaultID, restoreID string) *hbr.RestoreJob {
	t.Helper()
	var job *hbr.RestoreJob
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		var err error
		job, err = c.DescribeRestoreJob(ctx(t), region, vaultID, restoreID)
		if assert.NoError(c2, err) {
			assert.True(c2, job.Status.Terminal(), "status %s", job.Status)
		}
	}, 30*time.Second, 20*time.Millisecond)
	return job
}
