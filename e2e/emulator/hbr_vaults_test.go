package emulator_test

import (
	"net/http"
	"testing"
	"time"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

func TestHBRVaultLifecycle(t *testing.T) {
	srv := newServer(t, func(o *emulator.Options) { o.HBR.VaultInitDelay = time.Hour })
	c := newHBRClient(t, srv)
	id := createVault(t, c, "ack-backup-data")
	other := createVault(t, c, "second")
	assert.Regexp(t, `^v-[a-z0-9]{24}$`, id)

	describe := func(req *hbrsdk.DescribeVaultsRequest) *hbrsdk.DescribeVaultsResponseBody {
		res, err := c.DescribeVaults(req)
		require.NoError(t, err)
		requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
		return res.Body
	}
	body := describe(&hbrsdk.DescribeVaultsRequest{VaultId: tea.String(id)})
	require.Len(t, body.Vaults.Vault, 1)
	v := body.Vaults.Vault[0]
	assert.Equal(t, "INITIALIZING", tea.StringValue(v.Status))
	assert.Equal(t, "ack-backup-data", tea.StringValue(v.VaultName))
	assert.Equal(t, "cn-hangzhou", tea.StringValue(v.VaultRegionId))
	assert.Equal(t, "HBR_PRIVATE", tea.StringValue(v.EncryptType))

	// A job cannot use a vault that is still initializing.
	cl, err := c.AddContainerCluster(&hbrsdk.AddContainerClusterRequest{ClusterType: tea.String("ACK"), Identifier: tea.String("x")})
	require.NoError(t, err)
	job, err := c.CreateBackupJob(&hbrsdk.CreateBackupJobRequest{SourceType: tea.String("CONTAINER"), VaultId: tea.String(id),
		ContainerClusterId: cl.Body.ClusterId, ContainerResources: tea.String(resources("a/b"))})
	require.NoError(t, err)
	assert.False(t, tea.BoolValue(job.Body.Success))
	assert.Equal(t, hbr.CodeVaultNotReady, tea.StringValue(job.Body.Code))

	_, err = srv.HBR().AdvanceClock(time.Hour)
	require.NoError(t, err)
	body = describe(&hbrsdk.DescribeVaultsRequest{VaultRegionId: tea.String("cn-hangzhou"), Status: tea.String("CREATED")})
	assert.EqualValues(t, 2, tea.Int32Value(body.TotalCount))

	// Paging.
	body = describe(&hbrsdk.DescribeVaultsRequest{PageSize: tea.Int32(1), PageNumber: tea.Int32(2)})
	assert.EqualValues(t, 2, tea.Int32Value(body.TotalCount))
	require.Len(t, body.Vaults.Vault, 1)
	assert.EqualValues(t, 2, tea.Int32Value(body.PageNumber))
	assert.Contains(t, []string{id, other}, tea.StringValue(body.Vaults.Vault[0].VaultId))
	body = describe(&hbrsdk.DescribeVaultsRequest{VaultRegionId: tea.String("cn-beijing")})
	assert.Empty(t, body.Vaults.Vault)
	body = describe(&hbrsdk.DescribeVaultsRequest{Tag: []*hbrsdk.DescribeVaultsRequestTag{{Key: tea.String("k"), Value: tea.String("v")}}})
	assert.Empty(t, body.Vaults.Vault, "the tag filter travels in the form body and matches no untagged vault")

	_, err = c.CreateVault(&hbrsdk.CreateVaultRequest{VaultRegionId: tea.String("cn-hangzhou")})
	requireCode(t, err, http.StatusBadRequest, "MissingParameter")
}

func TestHBRContainerClusters(t *testing.T) {
	srv := newServer(t, fastHBR)
	c := newHBRClient(t, srv, legacySignature)
	var ids []string
	for _, ident := range []string{"uid-a", "uid-b", "uid-c"} {
		res, err := c.AddContainerCluster(&hbrsdk.AddContainerClusterRequest{ClusterType: tea.String("ACK"), Identifier: tea.String(ident),
			Name: tea.String("name-" + ident), NetworkType: tea.String("VPC")})
		require.NoError(t, err)
		requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
		assert.Regexp(t, `^cc-[a-z0-9]{20}$`, tea.StringValue(res.Body.ClusterId))
		assert.NotEmpty(t, tea.StringValue(res.Body.Token))
		ids = append(ids, tea.StringValue(res.Body.ClusterId))
	}
	dup, err := c.AddContainerCluster(&hbrsdk.AddContainerClusterRequest{ClusterType: tea.String("ACK"), Identifier: tea.String("uid-a")})
	require.NoError(t, err)
	assert.Equal(t, hbr.CodeClusterExists, tea.StringValue(dup.Body.Code))
	_, err = c.AddContainerCluster(&hbrsdk.AddContainerClusterRequest{ClusterType: tea.String("EKS"), Identifier: tea.String("uid-z")})
	requireCode(t, err, http.StatusBadRequest, "InvalidParameter")

	_, err = srv.HBR().AddAgent(hbr.Agent{Cluster: "uid-b", Node: "n1", RootDir: t.TempDir()})
	require.NoError(t, err)
	seen := map[string]string{}
	for page := int32(1); page <= 2; page++ {
		res, err := c.DescribeContainerCluster(&hbrsdk.DescribeContainerClusterRequest{PageNumber: tea.Int32(page), PageSize: tea.Int32(2)})
		require.NoError(t, err)
		requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
		assert.EqualValues(t, 3, tea.Int64Value(res.Body.TotalCount))
		for _, cl := range res.Body.Clusters {
			seen[tea.StringValue(cl.Identifier)] = tea.StringValue(cl.AgentStatus)
			assert.NotEmpty(t, tea.StringValue(cl.Token))
		}
	}
	assert.Equal(t, map[string]string{"uid-a": hbr.AgentOffline, "uid-b": hbr.AgentOnline, "uid-c": hbr.AgentOffline}, seen)
	res, err := c.DescribeContainerCluster(&hbrsdk.DescribeContainerClusterRequest{ClusterId: tea.String(ids[2])})
	require.NoError(t, err)
	require.Len(t, res.Body.Clusters, 1)
	assert.Equal(t, "uid-c", tea.StringValue(res.Body.Clusters[0].Identifier))
}
