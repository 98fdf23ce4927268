//go:build e2e

package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// diskVolume is a PV bound to an emulated ECS disk, and its claim.
const diskVolume = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: %[1]s
  labels: {topology.kubernetes.io/zone: %[3]s}
spec:
  capacity: {storage: %[4]dGi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: alicloud-disk
  csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: %[1]s, fsType: ext4}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: topology.diskplugin.csi.alibabacloud.com/zone, operator: In, values: [%[3]s]}
  claimRef: {namespace: %[5]s, name: %[2]s}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: %[2]s, namespace: %[5]s}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: alicloud-disk
  volumeName: %[1]s
  resources: {requests: {storage: %[4]dGi}}
`

// nasVolume is a NAS volume: not a disk, so the snapshotter must skip it without an error.
const nasVolume = `apiVersion: v1
kind: PersistentVolume
metadata: {name: %[1]s-nas}
spec:
  capacity: {storage: 100Gi}
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: alicloud-nas
  csi:
    driver: nasplugin.csi.alibabacloud.com
    volumeHandle: %[1]s-nas
    volumeAttributes: {server: "0cd8b4a576-xxxx.cn-hangzhou.nas.aliyuncs.com", path: "/shared"}
  claimRef: {namespace: %[1]s, name: shared}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared, namespace: %[1]s}
spec:
  accessModes: [ReadWriteMany]
  storageClassName: alicloud-nas
  volumeName: %[1]s-nas
  resources: {requests: {storage: 100Gi}}
`

// Disk volumes move from cluster A in cn-hangzhou to cluster B in cn-beijing: snapshots in A, a copy
// into cn-beijing, new disks of the same category and level, PVs pointed at them and at their zone.
func TestDiskVolumesMoveToAnotherRegion(t *testing.T) {
	parallel(t)
	const ns = "disks-ns"
	disks := []ecs.DiskSpec{
		{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd", PerformanceLevel: "PL2", SizeGiB: 500, Status: "In_use"},
		{Region: "cn-hangzhou", Zone: "cn-hangzhou-i", Category: "cloud_auto", SizeGiB: 10, ProvisionedIops: 6000,
			BurstingEnabled: true, Status: "In_use"},
	}
	var manifest strings.Builder
	fmt.Fprintf(&manifest, "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n---\n", ns)
	source := map[string]ecs.DiskState{} // PV name -> source disk
	for i, spec := range disks {
		d, err := env.cloud.AddDisk(ctx(t), spec)
		require.NoError(t, err)
		source[d.ID] = d
		fmt.Fprintf(&manifest, diskVolume+"---\n", d.ID, fmt.Sprintf("data-%d", i), d.Zone, d.SizeGiB, ns)
	}
	fmt.Fprintf(&manifest, nasVolume, ns)
	_, err := env.a.Kubectl(ctx(t), strings.NewReader(manifest.String()), "apply", "-f", "-")
	require.NoError(t, err)
	waitBound(t, env.a, ns, "data-0", "data-1", "shared")

	createSnapshotLocation(t, env.a, "disks", "region=cn-hangzhou,zone=cn-hangzhou-h")
	createSnapshotLocation(t, env.b, "disks", "region=cn-beijing,zone=cn-beijing-h")

	// The first CreateSnapshot does its work but its answer is lost: the retry must not make a second.
	lost := addFault(t, faults.Fault{Service: "ecs", Operation: "CreateSnapshot", Resource: "cn-hangzhou", LoseAnswer: true, Count: 1})
	b := backup(t, env.a, "disks", "--include-namespaces", ns, "--snapshot-volumes", "--volume-snapshot-locations", "disks")
	assert.Equal(t, 2, b.Status.VolumeSnapshotsAttempted)
	assert.Equal(t, 2, b.Status.VolumeSnapshotsCompleted, "both disks; the NAS volume is skipped without an error")
	assert.Equal(t, 1, firedCount(t, lost))
	snaps := backupSnapshots(t, "disks")
	require.Len(t, snaps, 2, "one snapshot per disk, also for the call whose answer was lost")
	for _, s := range snaps {
		assert.Equal(t, "cn-hangzhou", s.Region)
		// Velero's default TTL is 30 days; the plugin read it from the Backup object and added a day.
		assert.EqualValues(t, 31, s.RetentionDays, "snapshots expire a day after the backup")
	}

	_, err = env.b.WaitForBackup(ctx(t), "disks", 90*time.Second)
	require.NoError(t, err)
	restore(t, env.b, "disks", "disks")
	t.Cleanup(func() { _, _ = env.b.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false") })

	state, err := env.cloud.ECS(ctx(t))
	require.NoError(t, err)
	restored := map[string]ecs.DiskState{}
	for _, d := range state.Disks {
		restored[d.ID] = d
	}
	for pvName, src := range source {
		pv := &corev1.PersistentVolume{}
		require.NoError(t, env.b.Client.Get(ctx(t), types.NamespacedName{Name: pvName}, pv))
		newID := pv.Spec.CSI.VolumeHandle
		assert.NotEqual(t, src.ID, newID, "the PV points at a new disk")
		d, ok := restored[newID]
		require.True(t, ok, "disk %s exists in the emulator", newID)
		assert.Equal(t, "cn-beijing", d.Region)
		assert.Equal(t, "cn-beijing-h", d.Zone, "the source zones are not in cn-beijing: the location's zone")
		assert.Equal(t, src.Category, d.Category)
		assert.Equal(t, src.PerformanceLevel, d.PerformanceLevel, "the level exactly, not guessed from IOPS")
		assert.Equal(t, src.ProvisionedIops, d.ProvisionedIops)
		assert.Equal(t, src.BurstingEnabled, d.BurstingEnabled)
		assert.Equal(t, max(src.SizeGiB, 20), d.SizeGiB, "at least 20 GiB")
		terms := pv.Spec.NodeAffinity.Required.NodeSelectorTerms
		require.Len(t, terms, 1)
		assert.Equal(t, []string{"cn-beijing-h"}, terms[0].MatchExpressions[0].Values, "pods schedule next to the disk")
		assert.Equal(t, "cn-beijing-h", pv.Labels["topology.kubernetes.io/zone"])
	}
	nas := &corev1.PersistentVolume{}
	require.NoError(t, env.b.Client.Get(ctx(t), types.NamespacedName{Name: ns + "-nas"}, nas))
	assert.Equal(t, ns+"-nas", nas.Spec.CSI.VolumeHandle, "the NAS volume is restored as it was")
	waitBound(t, env.b, ns, "data-0", "data-1", "shared")
	for _, s := range state.Snapshots {
		assert.Empty(t, s.SourceSnapshotID, "the copy in cn-beijing served the restore and is gone: %s", s.ID)
	}

	_, err = env.a.Velero(ctx(t), "backup", "delete", "disks", "--confirm")
	require.NoError(t, err)
	eventually(t, time.Minute, "the backup's snapshots to be deleted", func() (bool, string) {
		left := backupSnapshots(t, "disks")
		return len(left) == 0, fmt.Sprintf("%d snapshots left", len(left))
	})
}

func createSnapshotLocation(t *testing.T, c *harness.Cluster, name, config string) {
	t.Helper()
	_, err := c.Velero(ctx(t), "snapshot-location", "create", name, "--provider", "alibabacloud",
		"--config", config+",endpoint="+env.cloud.Endpoint, "--credential", credsSecret+"=cloud")
	require.NoError(t, err)
	// The velero CLI has no `snapshot-location delete`: a second location left behind would make every
	// later backup that names none ambiguous.
	t.Cleanup(func() {
		_, _ = c.Kubectl(context.Background(), nil, "-n", harness.VeleroNamespace, "delete", "volumesnapshotlocation", name, "--ignore-not-found")
	})
}

// backupSnapshots are the emulator's snapshots tagged with the backup's name.
func backupSnapshots(t *testing.T, backup string) []ecs.SnapshotState {
	t.Helper()
	state, err := env.cloud.ECS(ctx(t))
	require.NoError(t, err)
	var out []ecs.SnapshotState
	for _, s := range state.Snapshots {
		for _, tag := range s.Tags {
			if tag.Key == "velero.io/backup" && tag.Value == backup {
				out = append(out, s)
			}
		}
	}
	return out
}

func waitBound(t *testing.T, c *harness.Cluster, ns string, claims ...string) {
	t.Helper()
	for _, name := range claims {
		eventually(t, time.Minute, "claim "+name+" to be Bound", func() (bool, string) {
			pvc := &corev1.PersistentVolumeClaim{}
			err := c.Client.Get(ctx(t), types.NamespacedName{Namespace: ns, Name: name}, pvc)
			if apierrors.IsNotFound(err) || err != nil {
				return false, fmt.Sprint(err)
			}
			return pvc.Status.Phase == corev1.ClaimBound, string(pvc.Status.Phase)
		})
	}
}
