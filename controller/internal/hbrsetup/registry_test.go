package hbrsetup_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/hbrsetup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/testenv"
	emuhbr "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func tokenSecret(t *testing.T, c client.Client, e *testenv.Env) *corev1.Secret {
	t.Helper()
	var s corev1.Secret
	require.NoError(t, c.Get(ctx(t), types.NamespacedName{Namespace: e.Env.Namespace, Name: e.Env.TokenSecret}, &s))
	return &s
}

func TestEnsureMakesVaultClusterAndTokenOnceForConcurrentCallers(t *testing.T) {
	e := testenv.New(t, emuhbr.Unlimited)
	c := fake.NewClientBuilder().Build()
	r := hbrsetup.New(c, e.Env)

	var wg sync.WaitGroup
	targets := make([]hbrsetup.Target, 8)
	errs := make([]error, 8)
	for i := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			targets[i], errs[i] = r.Ensure(ctx(t))
		}()
	}
	wg.Wait()
	for i := range targets {
		require.NoError(t, errs[i])
		assert.Equal(t, targets[0], targets[i])
	}
	st := e.State()
	require.Len(t, st.Vaults, 1)
	require.Len(t, st.Clusters, 1)
	want := hbrsetup.Target{Region: testenv.Region, VaultName: "ack-backup-data", VaultID: st.Vaults[0].ID, ContainerClusterID: st.Clusters[0].ID}
	assert.Equal(t, want, targets[0])
	assert.Equal(t, "ack-backup-data", st.Vaults[0].Name)
	assert.Equal(t, testenv.Identity, st.Clusters[0].Identifier)
	assert.Equal(t, "csdr-5b0f3c6a", st.Clusters[0].Name)

	token := tokenSecret(t, c, e).Data[hbrsetup.TokenKey]
	assert.NotEmpty(t, token)
	for _, entry := range e.Logs.AllEntries() {
		msg, _ := entry.String()
		assert.NotContains(t, msg, string(token), "the token is in a log line")
	}

	calls := e.Srv.HBR().Stats().Operations
	_, err := r.Ensure(ctx(t))
	require.NoError(t, err)
	assert.Equal(t, calls, e.Srv.HBR().Stats().Operations, "a second Ensure calls HBR")
}

func TestEnsureUpdatesAStaleTokenAndKeepsACurrentOne(t *testing.T) {
	tests := []struct {
		name      string
		stored    string
		wantWrite bool
	}{
		{name: "stale token replaced", stored: "token-from-another-cluster", wantWrite: true},
		{name: "current token kept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := testenv.New(t, emuhbr.Unlimited)
			// The registration exists already, as after a restart of the controller.
			h, err := e.Env.NewHBR()
			require.NoError(t, err)
			cl, err := h.EnsureContainerCluster(ctx(t), testenv.Region, hbr.ContainerClusterSpec{Identifier: testenv.Identity})
			require.NoError(t, err)
			stored := tt.stored
			if stored == "" {
				stored = cl.Token.Reveal()
			}
			s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: e.Env.Namespace, Name: e.Env.TokenSecret},
				Data: map[string][]byte{hbrsetup.TokenKey: []byte(stored), "other": []byte("kept")}}
			c := fake.NewClientBuilder().WithObjects(s).Build()
			before := tokenSecret(t, c, e).ResourceVersion

			_, err = hbrsetup.New(c, e.Env).Ensure(ctx(t))
			require.NoError(t, err)

			got := tokenSecret(t, c, e)
			assert.Equal(t, cl.Token.Reveal(), string(got.Data[hbrsetup.TokenKey]))
			assert.Equal(t, "kept", string(got.Data["other"]))
			assert.Equal(t, tt.wantWrite, got.ResourceVersion != before)
		})
	}
}

func TestEnsureKeepsNoFailure(t *testing.T) {
	e := testenv.New(t, emuhbr.Unlimited)
	hbrSvc := e.Srv.HBR()
	set := hbrSvc.Settings()
	set.Activated = false
	require.NoError(t, hbrSvc.SetSettings(set))
	c := fake.NewClientBuilder().Build()
	r := hbrsetup.New(c, e.Env)

	_, err := r.Ensure(ctx(t))
	require.ErrorIs(t, err, hbr.ErrNotActivated)
	assert.Regexp(t, "^HBRError: check HBR vault error", err.Error())

	set.Activated = true
	require.NoError(t, hbrSvc.SetSettings(set))
	target, err := r.Ensure(ctx(t))
	require.NoError(t, err)
	assert.NotEmpty(t, target.VaultID)
	assert.NotEmpty(t, tokenSecret(t, c, e).Data[hbrsetup.TokenKey])
}

func TestClusterName(t *testing.T) {
	assert.Equal(t, "csdr-5b0f3c6a", hbrsetup.ClusterName("5b0f3c6a-1e2d"))
	assert.Equal(t, "csdr-short", hbrsetup.ClusterName("short"))
}
