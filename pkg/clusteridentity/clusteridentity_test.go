package clusteridentity

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
)

func TestResolve(t *testing.T) {
	scheme := runtime.NewScheme()
	require.NoError(t, corev1.AddToScheme(scheme))
	withNS := fake.NewClientBuilder().WithScheme(scheme).
		WithObjects(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: "uid-a"}}).Build()
	empty := fake.NewClientBuilder().WithScheme(scheme).Build()
	ctx := context.Background()

	id, err := Resolve(ctx, withNS, "")
	require.NoError(t, err)
	assert.Equal(t, "uid-a", id)

	id, err = Resolve(ctx, empty, "rebuilt-prod")
	require.NoError(t, err)
	assert.Equal(t, "rebuilt-prod", id, "the override needs no API call")

	_, err = Resolve(ctx, empty, "prod cluster")
	assert.ErrorContains(t, err, `cluster identity "prod cluster" (CSDR_CLUSTER_IDENTITY)`, "it must be a label value")

	_, err = Resolve(ctx, empty, "")
	assert.ErrorContains(t, err, "read namespace kube-system for the cluster's identity")

	t.Setenv(EnvVar, "from-env")
	id, err = FromEnvironment(ctx, withNS)
	require.NoError(t, err)
	assert.Equal(t, "from-env", id)
}
