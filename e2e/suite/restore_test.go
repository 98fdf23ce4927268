//go:build e2e

package suite

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestRestoreIntoAnotherNamespace(t *testing.T) {
	parallel(t)
	deployWorkload(t, env.a, "nsmap-src")
	want := settings(t, env.a, "nsmap-src")

	b := backup(t, env.a, "nsmap", "--include-namespaces", "nsmap-src")
	assert.Positive(t, b.Status.Progress.ItemsBackedUp)
	assert.ElementsMatch(t, backupKeys(vaultPrefix+"/", "nsmap"), keys(t, vault, vaultPrefix+"/backups/nsmap/"),
		"the backup's files are in the vault")

	restore(t, env.a, "nsmap", "nsmap", "--namespace-mappings", "nsmap-src:nsmap-dst")
	t.Cleanup(func() { _, _ = env.a.Kubectl(ctx(t), nil, "delete", "namespace", "nsmap-dst", "--wait=false") })
	assert.Equal(t, want, settings(t, env.a, "nsmap-dst"))
	secret := &corev1.Secret{}
	require.NoError(t, env.a.Client.Get(ctx(t), types.NamespacedName{Namespace: "nsmap-dst", Name: "token"}, secret))
	assert.Equal(t, "not-a-real-token-nsmap-src", string(secret.Data["token"]))
	dep := &appsv1.Deployment{}
	require.NoError(t, env.a.Client.Get(ctx(t), types.NamespacedName{Namespace: "nsmap-dst", Name: "app"}, dep))
	assert.Equal(t, "docker.io/library/busybox:1.36", dep.Spec.Template.Spec.Containers[0].Image)
	assert.Equal(t, want, settings(t, env.a, "nsmap-src"), "the source namespace is untouched")
}

// Cluster B knows nothing of cluster A: the backup reaches it through the shared vault only, by
// Velero's backup sync, and B's location is read-only.
func TestRestoreInAnotherClusterThroughTheVault(t *testing.T) {
	parallel(t)
	deployWorkload(t, env.a, "migrate")
	want := settings(t, env.a, "migrate")
	backup(t, env.a, "migrate", "--include-namespaces", "migrate")

	// Velero syncs once a minute.
	b, err := env.b.WaitForBackup(ctx(t), "migrate", 90*time.Second)
	require.NoError(t, err)
	assert.Equal(t, velerov1.BackupPhaseCompleted, b.Status.Phase)
	assert.Equal(t, "default", b.Spec.StorageLocation)

	restore(t, env.b, "migrate", "migrate")
	t.Cleanup(func() { _, _ = env.b.Kubectl(ctx(t), nil, "delete", "namespace", "migrate", "--wait=false") })
	assert.Equal(t, want, settings(t, env.b, "migrate"))
	dep := &appsv1.Deployment{}
	require.NoError(t, env.b.Client.Get(ctx(t), types.NamespacedName{Namespace: "migrate", Name: "app"}, dep))
	assert.Equal(t, "migrate", dep.Labels[velerov1.RestoreNameLabel], "made by this restore, not left over")
}
