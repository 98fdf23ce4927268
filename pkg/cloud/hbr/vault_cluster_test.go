package hbr_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

func TestEnsureVaultWaitsUntilCreated(t *testing.T) {
	srv, c := newEnv(t)
	settings(t, srv, map[string]any{"vaultInitDelay": "300ms"})
	_, err := c.FindVault(ctx(t), region, "ack-backup-data")
	assert.ErrorIs(t, err, cloud.ErrNotFound)
	assert.NotEmpty(t, cloud.RequestID(err))

	v, err := c.EnsureVault(ctx(t), region, "ack-backup-data")
	require.NoError(t, err)
	assert.Equal(t, hbr.VaultCreated, v.Status)
	assert.Equal(t, "ack-backup-data", v.Name)
	assert.Equal(t, region, v.Region)

	again, err := c.EnsureVault(ctx(t), region, "ack-backup-data")
	require.NoError(t, err)
	assert.Equal(t, v.ID, again.ID, "found, not created twice")
	other, err := c.EnsureVault(ctx(t), "cn-beijing", "ack-backup-data")
	require.NoError(t, err)
	assert.NotEqual(t, v.ID, other.ID, "one vault per region")
	got, err := c.DescribeVault(ctx(t), region, v.ID)
	require.NoError(t, err)
	assert.Equal(t, v.ID, got.ID)
	_, err = c.DescribeVault(ctx(t), region, "v-missing")
	assert.ErrorIs(t, err, cloud.ErrNotFound)
}

// CreateVault takes no idempotency token: after a lost answer the vault is found by name, not made again.
func TestEnsureVaultSurvivesALostAnswer(t *testing.T) {
	srv, c := newEnv(t)
	srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "CreateVault", LoseAnswer: true, Count: 1})
	v, err := c.EnsureVault(ctx(t), region, "ack-backup-data")
	require.NoError(t, err)
	st := hbrState(t, srv)
	require.Len(t, st.Vaults, 1, "one vault")
	assert.Equal(t, v.ID, st.Vaults[0].ID)
}

func TestEnsureContainerCluster(t *testing.T) {
	srv, c := newEnv(t)
	_, err := c.FindContainerCluster(ctx(t), region, identifier)
	assert.ErrorIs(t, err, cloud.ErrNotFound)

	srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "AddContainerCluster", LoseAnswer: true, Count: 1})
	cl, err := c.EnsureContainerCluster(ctx(t), region, hbr.ContainerClusterSpec{Identifier: identifier, Name: "cluster-a"})
	require.NoError(t, err)
	assert.Regexp(t, `^cc-`, cl.ID)
	assert.Equal(t, identifier, cl.Identifier)
	assert.False(t, cl.Token.IsZero(), "the token the agents register with")
	require.Len(t, hbrState(t, srv).Clusters, 1, "a lost answer, then the cluster found: one cluster")

	again, err := c.EnsureContainerCluster(ctx(t), region, hbr.ContainerClusterSpec{Identifier: identifier, Name: "cluster-a"})
	require.NoError(t, err)
	assert.Equal(t, cl.ID, again.ID)
	assert.Equal(t, cl.Token.Reveal(), again.Token.Reveal())
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(format, again), cl.Token.Reveal(), format)
	}

	_, err = c.EnsureContainerCluster(ctx(t), region, hbr.ContainerClusterSpec{})
	assert.Error(t, err, "no identifier")
}

// Clusters are listed a page at a time; the one sought may be on any page.
func TestFindContainerClusterPages(t *testing.T) {
	_, c := newEnv(t)
	var last *hbr.ContainerCluster
	for i := range 105 {
		cl, err := c.EnsureContainerCluster(ctx(t), region, hbr.ContainerClusterSpec{Identifier: fmt.Sprintf("uid-%03d", i)})
		require.NoError(t, err)
		last = cl
	}
	found, err := c.FindContainerCluster(ctx(t), region, "uid-104")
	require.NoError(t, err)
	assert.Equal(t, last.ID, found.ID)
}

func TestWrongSecretIsDenied(t *testing.T) {
	srv, _ := newEnv(t)
	c := newClientOn(t, srv.URL, "not-the-secret", clock.RealClock{})
	_, err := c.FindVault(ctx(t), region, "ack-backup-data")
	assert.ErrorIs(t, err, cloud.ErrDenied)
	assert.NotContains(t, err.Error(), "not-the-secret")
}
