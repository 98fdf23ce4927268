//go:build e2e

package suite

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// statefulDB is a StatefulSet of one replica whose disk claim waits for its pod to be scheduled.
const statefulDB = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: %[1]s
provisioner: %[2]s
volumeBindingMode: WaitForFirstConsumer
reclaimPolicy: Delete
parameters: {type: "cloud_essd,cloud_ssd"}
---
apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: %[1]s
spec:
  serviceName: db
  replicas: 1
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      containers:
      - name: db
        image: docker.io/library/postgres:16
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      storageClassName: %[1]s
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 10Gi}}
`

// apply applies a manifest to c and removes its namespace and class named name when the test ends.
func apply(t *testing.T, c *harness.Cluster, name, manifest string) {
	t.Helper()
	_, err := c.Kubectl(ctx(t), strings.NewReader(manifest), "apply", "-f", "-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = c.Kubectl(context.Background(), nil, "delete", "namespace", name, "--wait=false")
		_, _ = c.Kubectl(context.Background(), nil, "delete", "storageclass", name, "--ignore-not-found", "--wait=false")
	})
}

// boundVolume returns the PV bound to a claim.
func boundVolume(t *testing.T, c *harness.Cluster, ns, claim string) corev1.PersistentVolume {
	t.Helper()
	var pvc corev1.PersistentVolumeClaim
	require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: claim}, &pvc))
	require.NotEmpty(t, pvc.Spec.VolumeName, "claim %s/%s is bound", ns, claim)
	var pv corev1.PersistentVolume
	require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Name: pvc.Spec.VolumeName}, &pv))
	return pv
}

func runningOn(t *testing.T, c *harness.Cluster, ns, pod string) harness.Node {
	t.Helper()
	var p corev1.Pod
	require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Namespace: ns, Name: pod}, &p))
	require.Equal(t, corev1.PodRunning, p.Status.Phase)
	n, ok := c.Node(p.Spec.NodeName)
	require.True(t, ok, "pod %s runs on %q", pod, p.Spec.NodeName)
	return n
}

func sha(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return fmt.Sprintf("%x", sha256.Sum256(data))
}

// A StatefulSet's disk claim is provisioned where the scheduler put its pod: the disk is an emulator
// ECS disk in the node's zone, attached to the node, and what the pod writes lands in the disk's bytes.
func TestDiskVolumeOfStatefulSet(t *testing.T) {
	c, ns := env.a, "volumes-disk"
	apply(t, c, ns, fmt.Sprintf(statefulDB, ns, alibaba.DiskCSIDriver))
	mount, err := c.VolumePath(ctx(t), ns, "db-0", "data")
	require.NoError(t, err)
	node := runningOn(t, c, ns, "db-0")
	pv := boundVolume(t, c, ns, "data-db-0")

	require.NoError(t, os.WriteFile(filepath.Join(mount, "PG_VERSION"), []byte("16\n"), 0o600))
	disk, err := env.cloud.Disk(ctx(t), pv.Spec.CSI.VolumeHandle)
	require.NoError(t, err)
	assert.Equal(t, pv.Name, disk.ID, "the PV is named after its disk, as on ACK")
	assert.Equal(t, node.Zone, disk.Zone)
	assert.Equal(t, "cloud_essd", disk.Category)
	assert.Equal(t, int32(20), disk.SizeGiB, "10Gi is below cloud_essd PL1's 20 GiB")
	assert.Equal(t, node.Name, disk.InstanceID)
	assert.Equal(t, sha(t, filepath.Join(mount, "PG_VERSION")), sha(t, filepath.Join(disk.DataDir, "PG_VERSION")))
	onNode, err := node.NodePath(mount)
	require.NoError(t, err)
	assert.Regexp(t, `^/var/lib/kubelet/pods/[0-9a-f-]{36}/volumes/kubernetes.io~csi/`+pv.Name+`/mount$`, onNode)
}

// nasPods is a NAS claim and two pods that use it, each pinned to its own node.
const nasPods = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: %[1]s
provisioner: ` + alibaba.NASCSIDriver + `
reclaimPolicy: Delete
---
apiVersion: v1
kind: Namespace
metadata:
  name: %[1]s
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: shared
  namespace: %[1]s
spec:
  storageClassName: %[1]s
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 8Gi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer, namespace: %[1]s}
spec:
  nodeSelector: {kubernetes.io/hostname: %[2]s}
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: files, mountPath: /files}]}]
  volumes: [{name: files, persistentVolumeClaim: {claimName: shared}}]
---
apiVersion: v1
kind: Pod
metadata: {name: reader, namespace: %[1]s}
spec:
  nodeSelector: {kubernetes.io/hostname: %[3]s}
  containers: [{name: c, image: docker.io/library/busybox:1.36, volumeMounts: [{name: files, mountPath: /files}]}]
  volumes: [{name: files, persistentVolumeClaim: {claimName: shared}}]
`

// A NAS volume is one file system: a file written by a pod on one node is there for a pod on another.
func TestNASVolumeSharedByPodsOnTwoNodes(t *testing.T) {
	c, ns := env.a, "volumes-nas"
	nodes := c.Nodes()
	require.GreaterOrEqual(t, len(nodes), 2)
	apply(t, c, ns, fmt.Sprintf(nasPods, ns, nodes[0].Name, nodes[1].Name))
	writer, err := c.VolumePath(ctx(t), ns, "writer", "files")
	require.NoError(t, err)
	reader, err := c.VolumePath(ctx(t), ns, "reader", "files")
	require.NoError(t, err)
	assert.NotEqual(t, writer, reader, "each pod has its own mount")
	assert.Equal(t, nodes[0].Name, runningOn(t, c, ns, "writer").Name)
	assert.Equal(t, nodes[1].Name, runningOn(t, c, ns, "reader").Name)
	pv := boundVolume(t, c, ns, "shared")
	assert.Regexp(t, `^nas-[0-9a-f-]{36}$`, pv.Name)
	assert.Nil(t, pv.Spec.NodeAffinity)

	require.NoError(t, os.MkdirAll(filepath.Join(writer, "reports"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(writer, "reports", "q3.csv"), []byte("region,total\nhz,42\n"), 0o644))
	assert.Equal(t, sha(t, filepath.Join(writer, "reports", "q3.csv")), sha(t, filepath.Join(reader, "reports", "q3.csv")))
}

// A cluster can play one on another cloud: a claim of a configured foreign driver is provisioned in
// the zone of its pod's node, by that driver's topology key, and mounted.
func TestForeignDriverVolume(t *testing.T) {
	parallel(t)
	const ebs, zoneKey = "ebs.csi.aws.com", "topology.ebs.csi.aws.com/zone"
	c, err := env.session.StartClusterWith(ctx(t), "aws", harness.ClusterOptions{Region: "cn-shanghai",
		Nodes:      []harness.NodeSpec{{}, {}},
		CSIDrivers: []harness.CSIDriver{{Name: ebs, Kind: harness.CSIZonal, TopologyKey: zoneKey}}})
	if c != nil {
		t.Cleanup(c.Stop)
	}
	require.NoError(t, err)
	for _, n := range c.Nodes() {
		var node corev1.Node
		require.NoError(t, c.Client.Get(ctx(t), client.ObjectKey{Name: n.Name}, &node))
		assert.Equal(t, n.Zone, node.Labels[zoneKey], "nodes carry the driver's topology key")
	}
	ns := "volumes-ebs"
	apply(t, c, ns, fmt.Sprintf(statefulDB, ns, ebs))
	timeout, cancel := context.WithTimeout(ctx(t), 2*time.Minute)
	defer cancel()
	mount, err := c.VolumePath(timeout, ns, "db-0", "data")
	require.NoError(t, err)
	node := runningOn(t, c, ns, "db-0")
	pv := boundVolume(t, c, ns, "data-db-0")
	assert.Equal(t, ebs, pv.Spec.CSI.Driver)
	assert.Equal(t, ebs, pv.Annotations["pv.kubernetes.io/provisioned-by"])
	assert.Equal(t, []string{node.Zone}, pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Values)
	assert.Equal(t, zoneKey, pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Key)
	require.NoError(t, os.WriteFile(filepath.Join(mount, "PG_VERSION"), []byte("16\n"), 0o600))
	assert.FileExists(t, filepath.Join(env.session.Dir, "storage", ebs, pv.Spec.CSI.VolumeHandle, "PG_VERSION"))
}
