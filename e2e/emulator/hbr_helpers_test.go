package emulator_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

const (
	testIdentifier = "c0ffee00-kube-system-uid"
	testNode       = "node-1"
	testNodeIP     = "192.0.2.11"
	podUID         = "6f5e758e-1111-2222-3333-444455556666"
	testPV         = "nas-0123"
)

// fastHBR makes vaults ready and jobs start at once, and lifts the throughput limit.
func fastHBR(o *emulator.Options) {
	o.HBR = hbr.Options{Throughput: hbr.Unlimited, JobStartDelay: hbr.Instant, VaultInitDelay: hbr.Instant}
}

// hbrWorld is an emulator with a ready vault, a registered container cluster and one node whose agent
// runs, the volume mount being a symlink to the volume's backing directory, as the harness makes it.
type hbrWorld struct {
	srv      *emulatortest.Server
	c        *hbrsdk.Client
	vaultID  string
	cluster  string
	nodeRoot string // host directory playing the node's "/"
	volume   string // the backing directory the mount points at
	mount    string // node path of the mount
}

func newHBRWorld(t *testing.T, mutate ...func(*emulator.Options)) *hbrWorld {
	t.Helper()
	srv := newServer(t, append([]func(*emulator.Options){fastHBR}, mutate...)...)
	w := &hbrWorld{srv: srv, c: newHBRClient(t, srv), nodeRoot: t.TempDir(), volume: t.TempDir(),
		mount: "/var/lib/kubelet/pods/" + podUID + "/volumes/kubernetes.io~csi/" + testPV + "/mount"}
	w.vaultID = createVault(t, w.c, "ack-backup-data")
	res, err := w.c.AddContainerCluster(&hbrsdk.AddContainerClusterRequest{ClusterType: tea.String("ACK"),
		Identifier: tea.String(testIdentifier), Name: tea.String("cluster-a"), NetworkType: tea.String("VPC")})
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	w.cluster = tea.StringValue(res.Body.ClusterId)
	mountHost := filepath.Join(w.nodeRoot, filepath.FromSlash(w.mount))
	require.NoError(t, os.MkdirAll(filepath.Dir(mountHost), 0o755))
	require.NoError(t, os.Symlink(w.volume, mountHost))
	_, err = srv.HBR().AddAgent(hbr.Agent{Cluster: testIdentifier, Node: testNode, IP: testNodeIP, Region: "cn-hangzhou", RootDir: w.nodeRoot})
	require.NoError(t, err)
	return w
}

func newHBRClient(t *testing.T, srv *emulatortest.Server, mutate ...func(*openapi.Config)) *hbrsdk.Client {
	t.Helper()
	host := strings.TrimPrefix(srv.URL, "http://")
	cfg := &openapi.Config{Endpoint: tea.String(host), Protocol: tea.String("HTTP"), NoProxy: tea.String(host),
		RegionId: tea.String("cn-hangzhou"), AccessKeyId: tea.String(testAK), AccessKeySecret: tea.String(testSK)}
	for _, m := range mutate {
		m(cfg)
	}
	c, err := hbrsdk.NewClient(cfg)
	require.NoError(t, err)
	return c
}

func requireSuccess(t *testing.T, success *bool, code, message *string) {
	t.Helper()
	require.True(t, tea.BoolValue(success), "%s: %s", tea.StringValue(code), tea.StringValue(message))
	require.Equal(t, "200", tea.StringValue(code))
}

func createVault(t *testing.T, c *hbrsdk.Client, name string) string {
	t.Helper()
	res, err := c.CreateVault(&hbrsdk.CreateVaultRequest{VaultName: tea.String(name), VaultRegionId: tea.String("cn-hangzhou"),
		VaultType: tea.String("STANDARD")})
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	return tea.StringValue(res.Body.VaultId)
}

// resources is ContainerResources for one volume, in the form the ACK console documents: host
// "<region>.<node IP>" and hostPrefix relative to the kubelet's pods directory.
func resources(hostPrefix string) string {
	return `[{"resourceType":"PV","backupMethod":"FILE","resourceId":"` + podUID + `","resourceInfo":"{\"pv_name\":\"` + testPV +
		`\"}","host":"cn-hangzhou.` + testNodeIP + `","hostPrefix":"` + hostPrefix + `","pvPath":"/"}]`
}

func (w *hbrWorld) relativePrefix() string {
	return podUID + "/volumes/kubernetes.io~csi/" + testPV + "/mount"
}

// backup starts a backup of the world's volume and returns the job ID.
func (w *hbrWorld) backup(t *testing.T, name string) string {
	t.Helper()
	return w.backupOf(t, name, resources(w.relativePrefix()))
}

func (w *hbrWorld) backupOf(t *testing.T, name, containerResources string) string {
	t.Helper()
	res, err := w.c.CreateBackupJob(&hbrsdk.CreateBackupJobRequest{SourceType: tea.String("CONTAINER"), VaultId: tea.String(w.vaultID),
		ContainerClusterId: tea.String(w.cluster), ContainerResources: tea.String(containerResources), JobName: tea.String(name),
		Retention: tea.Int64(7), InitiatedByAck: tea.Bool(true)})
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	return tea.StringValue(res.Body.JobId)
}

// backupJob returns the job as DescribeBackupJobs2 reports it.
func (w *hbrWorld) backupJob(t *testing.T, id string) *hbrsdk.DescribeBackupJobs2ResponseBodyBackupJobsBackupJob {
	t.Helper()
	res, err := w.c.DescribeBackupJobs2(&hbrsdk.DescribeBackupJobs2Request{SourceType: tea.String("CONTAINER"),
		Filters: []*hbrsdk.DescribeBackupJobs2RequestFilters{{Key: tea.String("JobId"), Operator: tea.String("EQUAL"), Values: []*string{tea.String(id)}}}})
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	require.Len(t, res.Body.BackupJobs.BackupJob, 1)
	return res.Body.BackupJobs.BackupJob[0]
}

// waitBackup polls until the job ends and returns it.
func (w *hbrWorld) waitBackup(t *testing.T, id string) *hbrsdk.DescribeBackupJobs2ResponseBodyBackupJobsBackupJob {
	t.Helper()
	var job *hbrsdk.DescribeBackupJobs2ResponseBodyBackupJobsBackupJob
	require.Eventually(t, func() bool {
		job = w.backupJob(t, id)
		return isTerminal(tea.StringValue(job.Status))
	}, 20*time.Second, 5*time.Millisecond, "backup job %s does not end", id)
	return job
}

func isTerminal(status string) bool {
	switch status {
	case "COMPLETE", "PARTIAL_COMPLETE", "FAILED", "CANCELED":
		return true
	}
	return false
}

// restore starts a restore of a snapshot into a node path of the world's cluster, in the documented
// TargetContainer form: host = node name, hostPrefix absolute.
func (w *hbrWorld) restore(t *testing.T, snapshotID, nodePath string) string {
	t.Helper()
	res, err := w.c.CreateRestoreJob(&hbrsdk.CreateRestoreJobRequest{RestoreType: tea.String("CONTAINER"), SourceType: tea.String("CONTAINER"),
		VaultId: tea.String(w.vaultID), SnapshotId: tea.String(snapshotID), TargetContainerClusterId: tea.String(w.cluster),
		TargetContainer: tea.String(`{"host":"` + testNode + `","hostPrefix":"` + nodePath + `","pvPath":"/"}`), InitiatedByAck: tea.Bool(true)})
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	return tea.StringValue(res.Body.RestoreId)
}

func (w *hbrWorld) restoreJob(t *testing.T, id string) *hbrsdk.DescribeRestoreJobs2ResponseBodyRestoreJobsRestoreJob {
	t.Helper()
	res, err := w.c.DescribeRestoreJobs2(&hbrsdk.DescribeRestoreJobs2Request{RestoreType: tea.String("CONTAINER"),
		Filters: []*hbrsdk.DescribeRestoreJobs2RequestFilters{{Key: tea.String("JobId"), Values: []*string{tea.String(id)}}}})
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	require.Len(t, res.Body.RestoreJobs.RestoreJob, 1)
	return res.Body.RestoreJobs.RestoreJob[0]
}

func (w *hbrWorld) waitRestore(t *testing.T, id string) *hbrsdk.DescribeRestoreJobs2ResponseBodyRestoreJobsRestoreJob {
	t.Helper()
	var job *hbrsdk.DescribeRestoreJobs2ResponseBodyRestoreJobsRestoreJob
	require.Eventually(t, func() bool {
		job = w.restoreJob(t, id)
		return isTerminal(tea.StringValue(job.Status))
	}, 20*time.Second, 5*time.Millisecond, "restore job %s does not end", id)
	return job
}

// snapshotOf finds the snapshot a job made, through SearchHistoricalSnapshots by vault and JobId.
func (w *hbrWorld) snapshotOf(t *testing.T, jobID string) *hbrsdk.SearchHistoricalSnapshotsResponseBodySnapshotsSnapshot {
	t.Helper()
	snaps := w.search(t, []any{
		map[string]any{"field": "VaultId", "value": w.vaultID, "operation": "MATCH_TERM"},
		map[string]any{"field": "JobId", "value": jobID, "operation": "MATCH_TERM"},
	}, 10, "")
	require.Len(t, snaps.Snapshots.Snapshot, 1)
	return snaps.Snapshots.Snapshot[0]
}

func (w *hbrWorld) search(t *testing.T, query []any, limit int32, next string) *hbrsdk.SearchHistoricalSnapshotsResponseBody {
	t.Helper()
	req := &hbrsdk.SearchHistoricalSnapshotsRequest{SourceType: tea.String("CONTAINER"), Query: query, Limit: tea.Int32(limit)}
	if next != "" {
		req.NextToken = tea.String(next)
	}
	res, err := w.c.SearchHistoricalSnapshots(req)
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	return res.Body
}

// mkMount makes a node path a symlink to a new backing directory, as the harness's volume manager does,
// and returns the backing directory.
func (w *hbrWorld) mkMount(t *testing.T, nodePath string) string {
	t.Helper()
	backing := t.TempDir()
	host := filepath.Join(w.nodeRoot, filepath.FromSlash(nodePath))
	require.NoError(t, os.MkdirAll(filepath.Dir(host), 0o755))
	require.NoError(t, os.Symlink(backing, host))
	return backing
}
