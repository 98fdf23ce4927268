package emulator_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

func TestHBRAdminAPI(t *testing.T) {
	w := newHBRWorld(t)
	base := w.srv.URL + "/_admin/hbr"
	require.NoError(t, w.srv.HBR().RemoveAgent(testIdentifier, testNode))
	require.NoError(t, os.WriteFile(filepath.Join(w.volume, "f"), []byte("admin"), 0o644))

	// The harness registers a node's agent the way world.md describes.
	status, body := admin(t, "POST", base+"/agents", `{"cluster":"`+testIdentifier+`","node":"`+testNode+`","ip":"`+testNodeIP+
		`","region":"cn-hangzhou","rootDir":"`+w.nodeRoot+`","kubeletRoot":"/var/lib/kubelet"}`)
	require.Equal(t, http.StatusCreated, status, string(body))
	job := w.waitBackup(t, w.backup(t, "b1"))
	require.Equal(t, "COMPLETE", tea.StringValue(job.Status), tea.StringValue(job.ErrorMessage))
	for _, bad := range []string{`{"cluster":"c","node":"n","rootDir":"relative"}`, `{"node":"n","rootDir":"/r"}`, `{"cluster":"c","node":"n","rootDir":"/r","colour":1}`} {
		status, body = admin(t, "POST", base+"/agents", bad)
		assert.Equal(t, http.StatusBadRequest, status, bad)
		assert.Contains(t, string(body), `"error"`)
	}

	status, body = admin(t, "GET", base+"/state", "")
	require.Equal(t, http.StatusOK, status)
	var st hbr.State
	require.NoError(t, json.Unmarshal(body, &st))
	require.Len(t, st.Vaults, 1)
	assert.Equal(t, hbr.VaultCreated, st.Vaults[0].Status)
	require.Len(t, st.Clusters, 1)
	assert.Equal(t, hbr.AgentOnline, st.Clusters[0].AgentStatus)
	require.Len(t, st.Agents, 1)
	require.Len(t, st.BackupJobs, 1)
	assert.EqualValues(t, 10000, st.BackupJobs[0].Progress10000)
	require.Len(t, st.Snapshots, 1)
	assert.Equal(t, []hbr.Entry{{Path: "f", Type: hbr.EntryFile, Mode: 0o644, MTime: st.Snapshots[0].Entries[0].MTime, Size: 5,
		Digest: st.Snapshots[0].Entries[0].Digest}}, st.Snapshots[0].Entries)
	assert.EqualValues(t, 5, st.Store.BytesWritten)
	assert.EqualValues(t, 5, st.Store.BytesStored)
	assert.Equal(t, 1, st.Stats.Operations["CreateBackupJob"])

	status, body = admin(t, "POST", base+"/settings", `{"throughput":"50MiB/s","jobStartDelay":"1s"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.JSONEq(t, `{"throughput":"50MiB/s","jobStartDelay":"1s","vaultInitDelay":"0s","activated":true}`, string(body))
	status, body = admin(t, "POST", base+"/settings", `{"activated":false}`)
	require.Equal(t, http.StatusOK, status, string(body))
	_, err := w.c.DescribeVaults(&hbrsdk.DescribeVaultsRequest{})
	requireCode(t, err, http.StatusForbidden, hbr.CodeNotActivated)
	status, _ = admin(t, "POST", base+"/settings", `{"activated":true,"throughput":0}`)
	require.Equal(t, http.StatusOK, status)
	status, body = admin(t, "GET", base+"/settings", "")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"throughput":"unlimited","jobStartDelay":"1s","vaultInitDelay":"0s","activated":true}`, string(body))
	for _, bad := range []string{`{"throughput":"fast"}`, `{"jobStartDelay":"-1s"}`, `{"speed":1}`} {
		status, _ = admin(t, "POST", base+"/settings", bad)
		assert.Equal(t, http.StatusBadRequest, status, bad)
	}

	status, body = admin(t, "POST", base+"/clock", `{"advance":"168h"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.Contains(t, string(body), `"offset": "168h0m0s"`)
	status, _ = admin(t, "POST", base+"/clock", `{"advance":"-1h"}`)
	assert.Equal(t, http.StatusBadRequest, status)
	status, body = admin(t, "GET", base+"/state", "")
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, json.Unmarshal(body, &st))
	assert.Empty(t, st.Snapshots, "7 days of retention ran out")

	status, _ = admin(t, "DELETE", base+"/vaults/"+w.vaultID, "")
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = admin(t, "DELETE", base+"/vaults/"+w.vaultID, "")
	assert.Equal(t, http.StatusNotFound, status)
	_, err = w.c.DescribeVaults(&hbrsdk.DescribeVaultsRequest{VaultId: tea.String(w.vaultID)})
	requireCode(t, err, http.StatusBadRequest, hbr.CodeIllegalRequest)

	status, _ = admin(t, "DELETE", base+"/agents/"+testIdentifier+"/"+testNode, "")
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = admin(t, "DELETE", base+"/agents/"+testIdentifier+"/"+testNode, "")
	assert.Equal(t, http.StatusNotFound, status)

	status, body = admin(t, "GET", w.srv.URL+"/_admin/state", "")
	require.Equal(t, http.StatusOK, status)
	var all emulator.State
	require.NoError(t, json.Unmarshal(body, &all))
	assert.Equal(t, []string{w.vaultID}, all.HBR.DeletedVaults, "the emulator's state carries HBR's")
}
