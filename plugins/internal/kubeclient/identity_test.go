package kubeclient

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/clusteridentity"
)

func TestIdentityIsAskedUntilKnownThenKept(t *testing.T) {
	t.Setenv(clusteridentity.EnvVar, "")
	scheme := runtime.NewScheme()
	require.NoError(t, corev1.AddToScheme(scheme))
	kube := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "uid-a"}}).Build()
	calls := 0
	fail := errors.New("kubernetes client: no route to host")
	client := func() (kbclient.Client, error) {
		calls++
		if calls == 1 {
			return nil, fail
		}
		return kube, nil
	}
	var c identityCache
	ctx := context.Background()

	_, err := c.get(ctx, client)
	require.ErrorIs(t, err, fail, "unknown is an error, never an empty identity")
	id, err := c.get(ctx, client)
	require.NoError(t, err)
	assert.Equal(t, "uid-a", id, "a failure is not kept")
	id, err = c.get(ctx, client)
	require.NoError(t, err)
	assert.Equal(t, "uid-a", id)
	assert.Equal(t, 2, calls, "an answer is kept for the process")
}
