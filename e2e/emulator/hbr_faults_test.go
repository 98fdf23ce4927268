package emulator_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

func TestHBRThrottlingAndServerFaults(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	w.srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "CreateBackupJob", Code: "Throttling.User", Count: 2})
	req := &hbrsdk.CreateBackupJobRequest{SourceType: tea.String("CONTAINER"), VaultId: tea.String(w.vaultID),
		ContainerClusterId: tea.String(w.cluster), ContainerResources: tea.String(resources(w.relativePrefix()))}
	for range 2 {
		_, err := w.c.CreateBackupJob(req)
		se := requireCode(t, err, http.StatusBadRequest, "Throttling.User")
		assert.Contains(t, tea.StringValue(se.Message), "Injected fault")
	}
	assert.Empty(t, w.srv.HBR().State().BackupJobs, "throttled calls create nothing")
	res, err := w.c.CreateBackupJob(req)
	require.NoError(t, err)
	requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
	assert.Equal(t, 2, w.srv.HBR().Stats().Errors["Throttling.User"])

	// A fault may name one vault: "VAULT/ID".
	w.srv.Faults().Clear()
	w.srv.Faults().Add(faults.Fault{Service: "hbr", Resource: w.vaultID + "/*", Status: 503})
	_, err = w.c.DescribeVaults(&hbrsdk.DescribeVaultsRequest{VaultId: tea.String(w.vaultID)})
	requireCode(t, err, http.StatusServiceUnavailable, "ServiceUnavailable")
	_, err = w.c.DescribeVaults(&hbrsdk.DescribeVaultsRequest{})
	require.NoError(t, err, "a request naming no vault is not hit")

	w.srv.Faults().Clear()
	w.srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "DescribeBackupJobs2", Code: "InternalError", Count: 1})
	_, err = w.c.DescribeBackupJobs2WithOptions(&hbrsdk.DescribeBackupJobs2Request{},
		&util.RuntimeOptions{Autoretry: tea.Bool(true), MaxAttempts: tea.Int(3)})
	require.NoError(t, err, "the SDK retries 5xx answers when asked to")
}

func TestHBRLostAnswerLeavesTheJob(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	w.srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "CreateBackupJob", LoseAnswer: true, Count: 1})
	_, err := w.c.CreateBackupJob(&hbrsdk.CreateBackupJobRequest{SourceType: tea.String("CONTAINER"), VaultId: tea.String(w.vaultID),
		ContainerClusterId: tea.String(w.cluster), ContainerResources: tea.String(resources(w.relativePrefix())), JobName: tea.String("lost-hbr")})
	require.Error(t, err)
	var se *tea.SDKError
	if errors.As(err, &se) {
		assert.Zero(t, tea.IntValue(se.StatusCode), "a lost answer is a transport error: %v", err)
	}
	res, err := w.c.DescribeBackupJobs2(&hbrsdk.DescribeBackupJobs2Request{Filters: []*hbrsdk.DescribeBackupJobs2RequestFilters{
		filterOf("VaultId", "EQUAL", w.vaultID), filterOf("CreatedTime", "GREATER_THAN_OR_EQUAL", "0")}})
	require.NoError(t, err)
	require.Len(t, res.Body.BackupJobs.BackupJob, 1, "the job was created although its answer was lost")
	assert.Equal(t, "lost-hbr", tea.StringValue(res.Body.BackupJobs.BackupJob[0].JobName))
}

func TestHBRDeletedVault(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	job := w.waitBackup(t, w.backup(t, "before"))
	snap := tea.StringValue(w.snapshotOf(t, tea.StringValue(job.JobId)).SnapshotId)
	require.NoError(t, w.srv.HBR().DeleteVault(w.vaultID))

	_, err := w.c.CreateBackupJob(&hbrsdk.CreateBackupJobRequest{SourceType: tea.String("CONTAINER"), VaultId: tea.String(w.vaultID),
		ContainerClusterId: tea.String(w.cluster), ContainerResources: tea.String(resources(w.relativePrefix()))})
	se := requireCode(t, err, http.StatusBadRequest, hbr.CodeIllegalRequest)
	assert.Contains(t, tea.StringValue(se.Message), "code: 400, Illegal request. Please modify the parameters",
		"what ACK shows as HBRError: ... code: 400, Illegal request")
	_, err = w.c.CreateRestoreJob(&hbrsdk.CreateRestoreJobRequest{RestoreType: tea.String("CONTAINER"), VaultId: tea.String(w.vaultID),
		SnapshotId: tea.String(snap), TargetContainerClusterId: tea.String(w.cluster), TargetContainer: tea.String(`{"host":"n","hostPrefix":"/p"}`)})
	requireCode(t, err, http.StatusBadRequest, hbr.CodeIllegalRequest)
	_, err = w.c.SearchHistoricalSnapshots(&hbrsdk.SearchHistoricalSnapshotsRequest{SourceType: tea.String("CONTAINER"),
		Query: []any{map[string]any{"field": "VaultId", "value": w.vaultID, "operation": "MATCH_TERM"}}})
	requireCode(t, err, http.StatusBadRequest, hbr.CodeIllegalRequest)
	assert.Empty(t, w.srv.HBR().State().Snapshots, "its snapshots went with it")

	// A new vault works again, as ACK's recovery recreates ack-backup-data.
	w.vaultID = createVault(t, w.c, "ack-backup-data")
	assert.Equal(t, "COMPLETE", tea.StringValue(w.waitBackup(t, w.backup(t, "after")).Status))
}

func TestHBRDeletedVaultFailsRunningJob(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	slow(t, w, 1<<20)
	id := w.backup(t, "running")
	require.Eventually(t, func() bool { return tea.StringValue(w.backupJob(t, id).Status) == "RUNNING" }, 10*time.Second, 2*time.Millisecond)
	require.NoError(t, w.srv.HBR().DeleteVault(w.vaultID))
	job := w.waitBackup(t, id)
	assert.Equal(t, "FAILED", tea.StringValue(job.Status))
	assert.Equal(t, hbr.ErrVaultDeleted, tea.StringValue(job.ErrorMessage))
}

func TestHBRNotActivated(t *testing.T) {
	w := newHBRWorld(t)
	set := w.srv.HBR().Settings()
	set.Activated = false
	require.NoError(t, w.srv.HBR().SetSettings(set))
	_, err := w.c.DescribeVaults(&hbrsdk.DescribeVaultsRequest{})
	se := requireCode(t, err, http.StatusForbidden, hbr.CodeNotActivated)
	assert.Contains(t, tea.StringValue(se.Message), "not activated")
	_, err = w.c.CreateVault(&hbrsdk.CreateVaultRequest{VaultName: tea.String("v"), VaultRegionId: tea.String("cn-hangzhou")})
	requireCode(t, err, http.StatusForbidden, hbr.CodeNotActivated)

	bad := newHBRClient(t, w.srv, func(c *openapi.Config) { c.AccessKeySecret = tea.String("wrong") })
	_, err = bad.DescribeVaults(&hbrsdk.DescribeVaultsRequest{})
	requireCode(t, err, http.StatusBadRequest, "SignatureDoesNotMatch") // credentials are checked first
}

func TestHBRSignaturesAndSTS(t *testing.T) {
	srv := newServer(t, fastHBR)
	sts := newHBRClient(t, srv, func(c *openapi.Config) {
		c.AccessKeyId, c.AccessKeySecret, c.SecurityToken = tea.String(stsAK), tea.String(stsSK), tea.String(stsToken)
	})
	createVault(t, sts, "via-sts")
	legacy := newHBRClient(t, srv, legacySignature)
	res, err := legacy.DescribeVaults(&hbrsdk.DescribeVaultsRequest{})
	require.NoError(t, err)
	assert.EqualValues(t, 1, tea.Int32Value(res.Body.TotalCount))
	noToken := newHBRClient(t, srv, func(c *openapi.Config) { c.AccessKeyId, c.AccessKeySecret = tea.String(stsAK), tea.String(stsSK) })
	_, err = noToken.DescribeVaults(&hbrsdk.DescribeVaultsRequest{})
	requireCode(t, err, http.StatusBadRequest, "MissingSecurityToken")
}
