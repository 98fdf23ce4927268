package harness

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

func TestCSIDiskVolumeLivesInTheEmulatorAndAttachesToOneNode(t *testing.T) {
	w := newLayerWorld(t, true)
	ctx := context.Background()
	cl := w.session.Cloud()
	w.put("classes", class("disk", alibaba.DiskCSIDriver, storagev1.VolumeBindingWaitForFirstConsumer,
		map[string]string{"type": "cloud_auto,cloud_essd"}))
	pvc := claim("data", "disk", "1500Mi")
	pvc.Annotations[annSelectedNode] = "a-node-1"
	w.put("claims", pvc)
	w.l.pass(ctx)
	pvs := w.createdPVs()
	require.Len(t, pvs, 1)
	pv := pvs[0]
	disk, err := cl.Disk(ctx, pv.Name)
	require.NoError(t, err, "the PV is named after its disk")
	assert.Equal(t, pv.Name, pv.Spec.CSI.VolumeHandle)
	assert.Equal(t, "ext4", pv.Spec.CSI.FSType)
	assert.Equal(t, []any{"cn-hangzhou", "cn-hangzhou-h", ecs.CategoryAuto, int32(2)}, []any{disk.Region, disk.Zone, disk.Category, disk.SizeGiB})
	capacity := pv.Spec.Capacity[corev1.ResourceStorage]
	assert.Equal(t, "2Gi", capacity.String())
	assert.Equal(t, alibaba.DiskZoneKey, pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Key)

	w.bind(pvc, pv)
	w.put("pods", runningPod("p1", "a-node-1", "data"))
	w.l.pass(ctx)
	m1 := w.mountOf("a-node-1", "p1", pluginCSI, pv.Name, "mount")
	require.NoError(t, os.WriteFile(filepath.Join(m1, "db"), []byte("rows"), 0o644))
	data, err := os.ReadFile(filepath.Join(disk.DataDir, "db"))
	require.NoError(t, err)
	assert.Equal(t, "rows", string(data), "the mount shows the disk's bytes")
	disk, err = cl.Disk(ctx, pv.Name)
	require.NoError(t, err)
	assert.Equal(t, []string{ecs.DiskInUse, "a-node-1"}, []string{disk.Status, disk.InstanceID})

	// A second pod on another node of the zone waits while the first holds the disk.
	w.put("pods", runningPod("p2", "a-node-3", "data"))
	w.l.pass(ctx)
	m2 := w.mountOf("a-node-3", "p2", pluginCSI, pv.Name, "mount")
	assert.NoFileExists(t, m2)
	multi := w.events("app", "FailedAttachVolume")
	require.Len(t, multi, 1)
	assert.Contains(t, multi[0].Message, "Multi-Attach error")
	assert.Equal(t, "p2", multi[0].InvolvedObject.Name)

	w.remove("pods", runningPod("p1", "a-node-1"))
	w.l.pass(ctx) // p1's volumes go and the disk detaches from a-node-1...
	w.l.pass(ctx) // ...so it attaches to a-node-3
	data, err = os.ReadFile(filepath.Join(m2, "db"))
	require.NoError(t, err)
	assert.Equal(t, "rows", string(data))

	w.remove("pods", runningPod("p2", "a-node-3"))
	w.remove("claims", pvc)
	pv.Status.Phase = corev1.VolumeReleased
	w.put("volumes", &pv)
	w.l.pass(ctx) // detaches
	w.l.pass(ctx) // deletes the disk and the PV
	_, err = cl.Disk(ctx, pv.Name)
	assert.ErrorContains(t, err, "404")
	assert.Empty(t, w.createdPVs())
}
