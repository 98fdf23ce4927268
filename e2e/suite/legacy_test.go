//go:build e2e

package suite

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/legacybackup"
)

var updateLegacy = flag.Bool("update-legacy", false, "rewrite e2e/suite/testdata/legacy from what the restore created")

// targetClasses are the classes an ACK cluster of today offers: the restore configuration converts the
// legacy classes to them.
const targetClasses = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: alicloud-disk-topology-alltype}
provisioner: diskplugin.csi.alibabacloud.com
parameters: {type: "cloud_essd,cloud_ssd,cloud_efficiency"}
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: alibabacloud-cnfs-nas}
provisioner: nasplugin.csi.alibabacloud.com
parameters: {volumeAs: subpath}
volumeBindingMode: Immediate
`

// A backup written the way Velero 1.5 wrote it on a Kubernetes 1.16 ACK cluster (FlexVolume disks and
// NAS, 10 GiB disks, a ReadWriteMany disk claim, Ingress in extensions/v1beta1, docker.io images, pods
// pinned to nodes, a LoadBalancer on a reused SLB, a batch/v1beta1 CronJob) reaches cluster B through the vault and is restored
// with the annotated example configuration: every object is created and equals what we expect.
func TestLegacyBackupRestoresIntoATodaysCluster(t *testing.T) {
	parallel(t)
	const name = "legacy-shop-2021"
	objs, err := legacybackup.App()
	require.NoError(t, err)
	store, err := env.cloud.OSS()
	require.NoError(t, err)
	require.NoError(t, legacybackup.Write(ctx(t), store, vault, vaultPrefix, legacybackup.Backup{Name: name, Objects: objs}))

	_, err = env.b.Kubectl(ctx(t), strings.NewReader(targetClasses), "apply", "-f", "-")
	require.NoError(t, err)
	_, err = env.b.Kubectl(ctx(t), nil, "apply", "-f", filepath.Join(env.layout.Repo, "examples", "restore-config", "restore-config.yaml"))
	require.NoError(t, err)

	b, err := env.b.WaitForBackup(ctx(t), name, 90*time.Second)
	require.NoError(t, err)
	require.Equal(t, velerov1.BackupPhaseCompleted, b.Status.Phase)

	_, err = env.b.Velero(ctx(t), "restore", "create", name, "--from-backup", name, "--wait",
		"--labels", "csdr.io/config=migrate-to-beijing")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = env.b.Kubectl(ctx(t), nil, "delete", "namespace", legacybackup.AppNamespace, "--wait=false")
	})
	r, err := env.b.Restore(ctx(t), name)
	require.NoError(t, err)
	describe, _ := env.b.Velero(ctx(t), "restore", "describe", name, "--details")
	require.Equal(t, velerov1.RestorePhaseCompleted, r.Status.Phase, describe)

	for _, want := range legacyExpectations {
		t.Run(want.file(), func(t *testing.T) {
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(want.gvk)
			require.NoError(t, env.b.Client.Get(ctx(t), types.NamespacedName{Namespace: want.namespace, Name: want.name}, got))
			data, err := yaml.Marshal(stable(got))
			require.NoError(t, err)
			path := filepath.Join("testdata", "legacy", want.file())
			if *updateLegacy {
				require.NoError(t, os.WriteFile(path, data, 0o644))
				return
			}
			expected, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, string(expected), string(data))
		})
	}
}

type restored struct {
	gvk             schema.GroupVersionKind
	namespace, name string
}

func (r restored) file() string { return strings.ToLower(r.gvk.Kind) + "_" + r.name + ".yaml" }

func core(kind, ns, name string) restored {
	return restored{gvk: schema.GroupVersionKind{Version: "v1", Kind: kind}, namespace: ns, name: name}
}

func apps(kind, name string) restored {
	return restored{gvk: schema.GroupVersionKind{Group: "apps", Version: "v1", Kind: kind}, namespace: legacybackup.AppNamespace, name: name}
}

var legacyExpectations = []restored{
	apps("Deployment", "web"),
	apps("StatefulSet", "db"),
	core("Pod", legacybackup.AppNamespace, "debug"),
	core("PersistentVolumeClaim", legacybackup.AppNamespace, "bj-data-db-0"),
	core("PersistentVolumeClaim", legacybackup.AppNamespace, "bj-shared"),
	core("PersistentVolumeClaim", legacybackup.AppNamespace, "bj-files"),
	core("PersistentVolume", "", "d-bp1legacy0000000001"),
	core("PersistentVolume", "", "nas-legacy-files"),
	core("Service", legacybackup.AppNamespace, "web"),
	core("Service", legacybackup.AppNamespace, "web-internal"),
	{gvk: schema.GroupVersionKind{Group: "networking.k8s.io", Version: "v1", Kind: "Ingress"}, namespace: legacybackup.AppNamespace, name: "web"},
	{gvk: schema.GroupVersionKind{Group: "batch", Version: "v1", Kind: "CronJob"}, namespace: legacybackup.AppNamespace, name: "report"},
}

// stable drops what differs from run to run (identities, times, allocated IPs, status) so the rest can
// be compared with the expected file.
func stable(u *unstructured.Unstructured) map[string]any {
	o := u.DeepCopy().Object
	for _, f := range [][]string{
		{"metadata", "uid"}, {"metadata", "resourceVersion"}, {"metadata", "creationTimestamp"},
		{"metadata", "managedFields"}, {"metadata", "generation"}, {"status"},
		{"spec", "clusterIP"}, {"spec", "clusterIPs"}, {"spec", "healthCheckNodePort"},
		{"spec", "claimRef", "uid"}, {"spec", "claimRef", "resourceVersion"},
		{"metadata", "labels", "velero.io/restore-name"}, {"metadata", "annotations", "pv.kubernetes.io/bind-completed"},
		{"metadata", "annotations", "pv.kubernetes.io/bound-by-controller"},
	} {
		unstructured.RemoveNestedField(o, f...)
	}
	maskServiceAccountVolume(o)
	dropSchedulingResults(o)
	return o
}

// dropSchedulingResults drops what cluster B adds after the restore, at a moment the test does not
// control: the node kube-scheduler gives a pod, the node and provisioner the volume controller writes
// on a WaitForFirstConsumer claim once its pod is scheduled, and the volume provisioned for it. Only
// B's own values go: a node name or a provisioner carried over from the legacy backup stays and fails
// the comparison.
func dropSchedulingResults(o map[string]any) {
	ours := map[string]bool{"diskplugin.csi.alibabacloud.com": true, "nasplugin.csi.alibabacloud.com": true}
	for _, n := range env.b.Nodes() {
		ours[n.Name] = true
	}
	if node, _, _ := unstructured.NestedString(o, "spec", "nodeName"); ours[node] && o["kind"] == "Pod" {
		unstructured.RemoveNestedField(o, "spec", "nodeName")
	}
	// B's CSI layer provisions a claim that came without a volume where its pod landed.
	if node, _, _ := unstructured.NestedString(o, "metadata", "annotations", "volume.kubernetes.io/selected-node"); ours[node] {
		unstructured.RemoveNestedField(o, "spec", "volumeName")
	}
	for _, key := range []string{"volume.kubernetes.io/selected-node", "volume.kubernetes.io/storage-provisioner",
		"volume.beta.kubernetes.io/storage-provisioner"} {
		if v, _, _ := unstructured.NestedString(o, "metadata", "annotations", key); ours[v] {
			unstructured.RemoveNestedField(o, "metadata", "annotations", key)
		}
	}
}

// maskServiceAccountVolume hides the random suffix of the token volume the API server adds to a pod.
func maskServiceAccountVolume(o map[string]any) {
	const prefix = "kube-api-access-"
	mask := func(m map[string]any) {
		if name, _ := m["name"].(string); strings.HasPrefix(name, prefix) {
			m["name"] = prefix + "xxxxx"
		}
	}
	volumes, _, _ := unstructured.NestedSlice(o, "spec", "volumes")
	for _, v := range volumes {
		if m, ok := v.(map[string]any); ok {
			mask(m)
		}
	}
	containers, _, _ := unstructured.NestedSlice(o, "spec", "containers")
	for _, c := range containers {
		mounts, _ := c.(map[string]any)["volumeMounts"].([]any)
		for _, v := range mounts {
			if m, ok := v.(map[string]any); ok {
				mask(m)
			}
		}
		if mounts != nil {
			c.(map[string]any)["volumeMounts"] = mounts
		}
	}
	if volumes != nil {
		_ = unstructured.SetNestedSlice(o, volumes, "spec", "volumes")
	}
	if containers != nil {
		_ = unstructured.SetNestedSlice(o, containers, "spec", "containers")
	}
}
