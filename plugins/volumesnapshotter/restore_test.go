package volumesnapshotter

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/volumesnapshotter/pvdisk"
)

// backupOf takes a snapshot of disk with the plugin, as Velero's backup does, and returns what
// Velero keeps: the snapshot ID and the volume type and IOPS.
func backupOf(t *testing.T, h harness, disk ecs.Disk) (string, string, *int64) {
	t.Helper()
	d := h.ecs.addDisk(disk)
	typ, iops, err := h.GetVolumeInfo(d.ID, d.Zone)
	require.NoError(t, err)
	id, err := h.CreateSnapshot(d.ID, d.Zone, map[string]string{"velero.io/backup": "b1", "velero.io/pv": "pv-" + d.ID})
	require.NoError(t, err)
	return id, typ, iops
}

func TestRestoreInTheSameRegion(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	h.ecs.readsToFinish = 2 // no instant access: the snapshot is still progressing at restore time
	small := essdDisk()
	small.Category, small.PerformanceLevel, small.SizeGiB = "cloud_efficiency", "", 10
	id, typ, iops := backupOf(t, h, small)

	diskID, err := h.CreateVolumeFromSnapshot(id, typ, "cn-hangzhou-i", iops)
	require.NoError(t, err)
	disk := h.ecs.disks[diskID]
	require.NotNil(t, disk)
	assert.Equal(t, ecs.DiskAvailable, disk.Status, "waited until Available")
	assert.Equal(t, "cn-hangzhou-i", disk.Zone, "the zone Velero passes comes first")
	assert.Equal(t, "cloud_efficiency", disk.Category)
	assert.Equal(t, 20, disk.SizeGiB, "at least 20 GiB")
	assert.Equal(t, id, disk.Tags[restoredFromTagKey])
	assert.Equal(t, "shop", disk.Tags["team"], "the source disk's own tags are back")
	assert.NotContains(t, disk.Tags, "velero.io/backup")
	assert.GreaterOrEqual(t, h.ecs.calls["DescribeSnapshot"], 3, "waited for the snapshot")
	assert.Zero(t, h.ecs.calls["CopySnapshot"])

	pv := csiPV("pv-old", "d-essd1", "cn-hangzhou-h")
	updated, err := h.SetVolumeID(pv, diskID)
	require.NoError(t, err)
	handle, _, _ := unstructured.NestedString(updated.UnstructuredContent(), "spec", "csi", "volumeHandle")
	assert.Equal(t, diskID, handle)
	vol, ours, err := pvdisk.DiskOf(updated)
	require.NoError(t, err)
	require.True(t, ours)
	assert.Equal(t, "cn-hangzhou-i", vol.Zone, "the PV now points at the disk's zone")
}

func TestRestoreKeepsCategoryLevelAndIOPSExactly(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	auto := ecs.Disk{ID: "d-auto1", Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_auto", SizeGiB: 200,
		ProvisionedIOPS: 8000, BurstingEnabled: true}
	pl2 := ecs.Disk{ID: "d-pl2", Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd", PerformanceLevel: "PL2",
		SizeGiB: 500, Encrypted: true, KMSKeyID: "key-hz"}
	for _, disk := range []ecs.Disk{auto, pl2} {
		id, typ, iops := backupOf(t, h, disk)
		_, err := h.CreateVolumeFromSnapshot(id, typ, "", iops)
		require.NoError(t, err)
		o := h.ecs.lastDisk
		assert.Equal(t, disk.Category, o.Category, disk.ID)
		assert.Equal(t, disk.PerformanceLevel, o.PerformanceLevel, disk.ID)
		assert.Equal(t, disk.ProvisionedIOPS, o.ProvisionedIOPS, disk.ID)
		assert.Equal(t, disk.BurstingEnabled, o.BurstingEnabled, disk.ID)
		assert.Equal(t, disk.SizeGiB, o.SizeGiB, disk.ID)
		assert.Equal(t, disk.Zone, o.Zone, "no zone from Velero: the source disk's zone")
		assert.Equal(t, disk.Encrypted, o.Encrypted, disk.ID)
		assert.Equal(t, disk.KMSKeyID, o.KMSKeyID, "the same key in the same region")
	}

	// A volume type from the existing plugin is a bare category: the snapshot's tag fills in the level.
	id, _, _ := backupOf(t, h, essdDisk())
	_, err := h.CreateVolumeFromSnapshot(id, "cloud_essd", "", nil)
	require.NoError(t, err)
	assert.Equal(t, "PL1", h.ecs.lastDisk.PerformanceLevel)
}

func TestRestoreIntoAnotherRegion(t *testing.T) {
	src := newSnapshotter(t, nil, nil)
	src.ecs.readsToFinish = 1
	disk := essdDisk()
	disk.Encrypted, disk.KMSKeyID = true, "key-hz"
	id, typ, iops := backupOf(t, src, disk)

	dst := newSnapshotter(t, map[string]string{"region": "cn-beijing", "zone": "cn-beijing-h", "kmsKeyId": "key-bj"}, nil)
	dst.client = src.ecs // one cloud
	diskID, err := dst.CreateVolumeFromSnapshot(id, typ, "cn-hangzhou-h", iops)
	require.NoError(t, err)

	restored := src.ecs.disks[diskID]
	assert.Equal(t, "cn-beijing", restored.Region)
	assert.Equal(t, "cn-beijing-h", restored.Zone, "Velero's and the source's zones are in another region: the location's zone")
	assert.Equal(t, "PL1", restored.PerformanceLevel)
	assert.True(t, restored.Encrypted)
	assert.Equal(t, "key-bj", restored.KMSKeyID, "re-encrypted with a key of the new region")
	copyOpts := src.ecs.lastCopy
	assert.Equal(t, "cn-hangzhou", copyOpts.SourceRegion)
	assert.Equal(t, "cn-beijing", copyOpts.DestinationRegion)
	assert.Equal(t, "key-bj", copyOpts.KMSKeyID)
	assert.Len(t, src.ecs.snapshots, 1, "the copy served the restore and is gone; the backup's snapshot stays")
	assert.Contains(t, src.ecs.snapshots, strings.TrimPrefix(id, "cn-hangzhou/"))
}

func TestRestoreZoneChoiceExplainsRefusals(t *testing.T) {
	src := newSnapshotter(t, nil, nil)
	disk := essdDisk()
	disk.Category, disk.PerformanceLevel = "cloud_efficiency", ""
	id, typ, _ := backupOf(t, src, disk)

	dst := newSnapshotter(t, map[string]string{"region": "cn-beijing", "zone": "cn-beijing-i"}, nil)
	dst.client = src.ecs
	_, err := dst.CreateVolumeFromSnapshot(id, typ, "cn-hangzhou-h", nil)
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, "cn-hangzhou-h (Velero's volume zone) is not a zone of region cn-beijing")
	assert.Contains(t, msg, "cn-beijing-i (the location's zone config) does not offer cloud_efficiency disks")
	assert.Contains(t, msg, "one of: cn-beijing-h")
}

func TestRestoreCrossRegionDenied(t *testing.T) {
	src := newSnapshotter(t, nil, nil)
	id, typ, _ := backupOf(t, src, essdDisk())
	src.ecs.readsToFinish = 0
	dst := newSnapshotter(t, map[string]string{"region": "cn-beijing", "zone": "cn-beijing-h"}, nil)
	dst.client = src.ecs
	src.ecs.failNext["CopySnapshot"] = &cloud.Error{Service: "ecs", Operation: "CopySnapshot", Kind: cloud.ErrDenied, Code: "Forbidden.RAM"}
	_, err := dst.CreateVolumeFromSnapshot(id, typ, "", nil)
	assert.ErrorContains(t, err, "ECS snapshot cross region request failed")
	assert.ErrorIs(t, err, cloud.ErrDenied)
}

func TestRestoreFromASnapshotOfTheExistingPlugin(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	h.ecs.readsToFinish = 0
	h.ecs.snapshots["s-legacy1"] = &ecs.Snapshot{ID: "s-legacy1", Region: "cn-hangzhou", Status: ecs.SnapshotAccomplished,
		Available: true, SourceDiskSizeGiB: 30,
		Tags: map[string]string{legacyZoneTagKey: "cn-hangzhou-i", "velero.io/backup": "old"}}
	diskID, err := h.CreateVolumeFromSnapshot("s-legacy1", "cloud_ssd", "", nil)
	require.NoError(t, err)
	d := h.ecs.disks[diskID]
	assert.Equal(t, "cn-hangzhou-i", d.Zone, "the zone the existing plugin tagged")
	assert.Equal(t, "cloud_ssd", d.Category)
	assert.Equal(t, 30, d.SizeGiB)

	_, err = h.CreateVolumeFromSnapshot("s-legacy1", "", "", nil)
	assert.ErrorContains(t, err, "the disk category is unknown")
	_, err = h.CreateVolumeFromSnapshot("s-missing", "cloud_ssd", "", nil)
	assert.ErrorIs(t, err, cloud.ErrNotFound)
}

func csiPV(name, diskID, zone string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolume",
		"metadata": map[string]any{"name": name, "labels": map[string]any{"topology.kubernetes.io/zone": zone}},
		"spec": map[string]any{
			"capacity": map[string]any{"storage": "40Gi"},
			"csi":      map[string]any{"driver": "diskplugin.csi.alibabacloud.com", "volumeHandle": diskID},
			"nodeAffinity": map[string]any{"required": map[string]any{"nodeSelectorTerms": []any{
				map[string]any{"matchExpressions": []any{map[string]any{
					"key": "topology.diskplugin.csi.alibabacloud.com/zone", "operator": "In", "values": []any{zone}}}},
			}}},
		},
	}}
}
