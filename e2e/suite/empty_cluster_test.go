//go:build e2e

package suite

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// emptyMigrationNS holds what TestMigrationIntoAnEmptyCluster moves: disk claims that ECS could not
// create as they are (10Gi, ReadWriteMany, ReadOnlyMany), bound and templates, with and without a class.
const emptyMigrationNS = "empty-migration"

// classlessVolume is created before any default class exists in cluster A, so its claim keeps no class
// and binds to its PV, which has none either.
const classlessVolume = `apiVersion: v1
kind: Namespace
metadata: {name: empty-migration}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: empty-migration-rox}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadOnlyMany]
  persistentVolumeReclaimPolicy: Retain
  csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-emptymigrationrox, fsType: ext4}
  claimRef: {namespace: empty-migration, name: rox-bound}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: rox-bound, namespace: empty-migration}
spec:
  accessModes: [ReadOnlyMany]
  volumeName: empty-migration-rox
  resources: {requests: {storage: 10Gi}}
`

// classedVolumes come with the default disk class, which the backup carries to the empty cluster.
const classedVolumes = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: csdr-e2e-default-disk
  annotations: {storageclass.kubernetes.io/is-default-class: "true"}
provisioner: diskplugin.csi.alibabacloud.com
volumeBindingMode: WaitForFirstConsumer
parameters: {type: cloud_essd}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: empty-migration-rwx}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: csdr-e2e-default-disk
  csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-emptymigrationrwx, fsType: ext4}
  claimRef: {namespace: empty-migration, name: rwx-bound}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: rwx-bound, namespace: empty-migration}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: csdr-e2e-default-disk
  volumeName: empty-migration-rwx
  resources: {requests: {storage: 10Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: rox-pending, namespace: empty-migration}
spec:
  accessModes: [ReadOnlyMany]
  storageClassName: csdr-e2e-default-disk
  resources: {requests: {storage: 10Gi}}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: empty-migration}
spec:
  replicas: 0
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: docker.io/library/postgres:16}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteMany]
      storageClassName: csdr-e2e-default-disk
      resources: {requests: {storage: 10Gi}}
  - metadata: {name: logs}
    spec:
      accessModes: [ReadOnlyMany]
      resources: {requests: {storage: 10Gi}}
`

// A migration into a cluster with no StorageClass at all, as a new user makes it: the class arrives with
// the restore, and every claim is judged by it (or, naming none, by the default class it gets): disk
// claims come back 20Gi and ReadWriteOnce, bound claims bind again, and the restore log says why.
func TestMigrationIntoAnEmptyCluster(t *testing.T) {
	parallel(t)
	a := env.a
	_, err := a.Kubectl(ctx(t), strings.NewReader(classlessVolume), "apply", "-f", "-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = a.Kubectl(context.Background(), nil, "delete", "namespace", emptyMigrationNS, "--wait=false")
		_, _ = a.Kubectl(context.Background(), nil, "delete", "pv", "empty-migration-rox", "empty-migration-rwx", "--wait=false")
		_, _ = a.Kubectl(context.Background(), nil, "delete", "storageclass", "csdr-e2e-default-disk", "--wait=false")
	})
	waitBound(t, a, emptyMigrationNS, "rox-bound")
	_, err = a.Kubectl(ctx(t), strings.NewReader(classedVolumes), "apply", "-f", "-")
	require.NoError(t, err)
	waitBound(t, a, emptyMigrationNS, "rwx-bound")
	// The volumes are not ECS disks of the emulator: this test is about the objects.
	backup(t, a, emptyMigrationNS, "--include-namespaces", emptyMigrationNS, "--snapshot-volumes=false")

	c := startEmptyCluster(t, "empty")
	_, err = c.WaitForBackup(ctx(t), emptyMigrationNS, 90*time.Second)
	require.NoError(t, err)
	classes := &storagev1.StorageClassList{}
	require.NoError(t, c.Client.List(ctx(t), classes))
	require.Empty(t, classes.Items, "the target starts with no StorageClass")

	_, err = c.Velero(ctx(t), "restore", "create", emptyMigrationNS, "--from-backup", emptyMigrationNS, "--wait")
	require.NoError(t, err)
	r, err := c.Restore(ctx(t), emptyMigrationNS)
	require.NoError(t, err)
	describe, _ := c.Velero(ctx(t), "restore", "describe", emptyMigrationNS, "--details")
	require.Equal(t, velerov1.RestorePhaseCompleted, r.Status.Phase, describe)

	sc := &storagev1.StorageClass{}
	require.NoError(t, c.Client.Get(ctx(t), types.NamespacedName{Name: "csdr-e2e-default-disk"}, sc), "the class came with the backup")
	twenty := resource.MustParse("20Gi")
	rwo := []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	for claim, class := range map[string]*string{"rwx-bound": ptr("csdr-e2e-default-disk"), "rox-bound": ptr(""), "rox-pending": ptr("csdr-e2e-default-disk")} {
		pvc := &corev1.PersistentVolumeClaim{}
		require.NoError(t, c.Client.Get(ctx(t), types.NamespacedName{Namespace: emptyMigrationNS, Name: claim}, pvc))
		assert.Equal(t, rwo, pvc.Spec.AccessModes, claim)
		assert.True(t, pvc.Spec.Resources.Requests.Storage().Equal(twenty), "%s requests %s", claim, pvc.Spec.Resources.Requests.Storage())
		assert.Equal(t, class, pvc.Spec.StorageClassName, claim)
		assert.NotContains(t, pvc.Annotations, velerov1.MustIncludeAdditionalItemAnnotation, claim)
	}
	for _, name := range []string{"empty-migration-rwx", "empty-migration-rox"} {
		pv := &corev1.PersistentVolume{}
		require.NoError(t, c.Client.Get(ctx(t), types.NamespacedName{Name: name}, pv))
		assert.Equal(t, rwo, pv.Spec.AccessModes, name)
		assert.True(t, pv.Spec.Capacity.Storage().Equal(twenty), "%s holds %s", name, pv.Spec.Capacity.Storage())
	}
	waitBound(t, c, emptyMigrationNS, "rwx-bound", "rox-bound")

	sts := &appsv1.StatefulSet{}
	require.NoError(t, c.Client.Get(ctx(t), types.NamespacedName{Namespace: emptyMigrationNS, Name: "db"}, sts))
	require.Len(t, sts.Spec.VolumeClaimTemplates, 2)
	for _, tpl := range sts.Spec.VolumeClaimTemplates {
		assert.Equal(t, rwo, tpl.Spec.AccessModes, tpl.Name)
		assert.True(t, tpl.Spec.Resources.Requests.Storage().Equal(twenty), "template %s requests %s", tpl.Name, tpl.Spec.Resources.Requests.Storage())
	}

	logs, err := c.Velero(ctx(t), "restore", "logs", emptyMigrationNS)
	require.NoError(t, err)
	for _, line := range []string{
		"StorageClass csdr-e2e-default-disk (provisioner diskplugin.csi.alibabacloud.com, the default class) is new to the target cluster",
		"StatefulSet empty-migration/db volumeClaimTemplate logs storage request is 10Gi, below the 20Gi minimum of an Alibaba Cloud disk; restored as 20Gi",
		`storageClassName set to \"\" so the default class csdr-e2e-default-disk is not given to it`,
	} {
		assert.True(t, strings.Contains(logs, line), "the restore log says %q", line)
	}
	assert.False(t, strings.Contains(logs, "cannot be told"), "every claim's class is known")
}

// startEmptyCluster starts a cluster with Velero and our plugin, reading the shared vault, and nothing
// else: no StorageClass, no namespace of anyone's. It stops when the test ends.
func startEmptyCluster(t *testing.T, name string) *harness.Cluster {
	t.Helper()
	c, err := env.session.StartCluster(ctx(t), name)
	if c != nil {
		t.Cleanup(c.Stop)
	}
	require.NoError(t, err)
	require.NoError(t, c.InstallVelero(ctx(t)))
	_, err = c.Kubectl(ctx(t), nil, "-n", harness.VeleroNamespace, "create", "secret", "generic", credsSecret,
		"--from-file=cloud="+env.cloud.SecretFile)
	require.NoError(t, err)
	require.NoError(t, createLocation(ctx(t), c, "default", vault, "ReadOnly"))
	require.NoError(t, c.StartVelero(ctx(t)))
	require.NoError(t, c.WaitForLocation(ctx(t), "default", time.Minute))
	return c
}

func ptr[T any](v T) *T { return &v }
