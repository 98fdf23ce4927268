package harness

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

func TestCSIDrivers(t *testing.T) {
	tests := []struct {
		name  string
		extra []CSIDriver
		err   string
	}{
		{name: "defaults only"},
		{name: "a foreign zonal driver", extra: []CSIDriver{{Name: ebsDriver, Kind: CSIZonal, TopologyKey: "topology.ebs.csi.aws.com/zone"}}},
		{name: "no name", extra: []CSIDriver{{Kind: CSIShared}}, err: "without a name"},
		{name: "no kind", extra: []CSIDriver{{Name: "x.csi"}}, err: "unknown kind"},
		{name: "zonal without key", extra: []CSIDriver{{Name: "x.csi", Kind: CSIZonal}}, err: "needs a topology key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := csiDrivers(tt.extra)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, CSIDriver{Name: alibaba.DiskCSIDriver, Kind: CSIDisk, TopologyKey: alibaba.DiskZoneKey}, got[alibaba.DiskCSIDriver])
			assert.Equal(t, CSIShared, got[alibaba.NASCSIDriver].Kind)
			assert.Equal(t, CSIShared, got[alibaba.OSSCSIDriver].Kind)
			assert.Len(t, got, 3+len(tt.extra))
		})
	}
}

func TestDiskParams(t *testing.T) {
	tests := []struct {
		params       map[string]string
		request      string
		category, pl string
		gib          int32
		err          string
	}{
		{params: nil, request: "1Gi", category: "cloud_essd", pl: "PL1", gib: 20},
		{params: map[string]string{"type": "cloud_ssd,cloud_essd"}, request: "25Gi", category: "cloud_ssd", gib: 25},
		{params: map[string]string{"type": "available"}, request: "30G", category: "cloud_essd", pl: "PL1", gib: 28},
		{params: map[string]string{"type": "cloud_essd", "performanceLevel": "PL0"}, request: "1Mi", category: "cloud_essd", pl: "PL0", gib: 1},
		{params: map[string]string{"type": "cloud_auto"}, request: "2049Mi", category: "cloud_auto", gib: 3},
		{params: map[string]string{"type": "cloud_essd", "performanceLevel": "PL9"}, request: "1Gi", err: "not one ECS sells"},
		{params: map[string]string{"type": "bogus"}, request: "1Gi", err: "not one ECS sells"},
	}
	for _, tt := range tests {
		t.Run(tt.params["type"]+"/"+tt.request, func(t *testing.T) {
			sc := class("sc", alibaba.DiskCSIDriver, storagev1.VolumeBindingImmediate, tt.params)
			category, pl, gib, err := diskParams(sc, resource.MustParse(tt.request))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, []any{tt.category, tt.pl, tt.gib}, []any{category, pl, gib})
		})
	}
}

func TestBelow(t *testing.T) {
	for _, tt := range []struct {
		parts []string
		want  string
		err   bool
	}{
		{parts: []string{"nas.csi", "nas-1"}, want: "/s/storage/nas.csi/nas-1"},
		{parts: []string{"nfs", "10.0.0.1", "/exports/data"}, want: "/s/storage/nfs/10.0.0.1/exports/data"},
		{parts: []string{"nfs", "10.0.0.1", "/../../../etc"}, err: true},
		{parts: []string{"nas.csi", ".."}, err: true},
		{parts: []string{"nas.csi", ""}, err: true},
	} {
		got, err := below("/s/storage", tt.parts...)
		if tt.err {
			assert.Error(t, err, strings.Join(tt.parts, "|"))
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
}

func TestCSIProvisionsSharedVolumeForFirstConsumer(t *testing.T) {
	w := newLayerWorld(t, false)
	ctx := context.Background()
	w.put("classes", class("nas", alibaba.NASCSIDriver, storagev1.VolumeBindingWaitForFirstConsumer, nil))
	pvc := claim("shared", "nas", "5Gi", corev1.ReadWriteMany)
	w.put("claims", pvc)
	w.l.pass(ctx)
	assert.Empty(t, w.createdPVs(), "WaitForFirstConsumer waits for the scheduler's choice")

	pvc.Annotations[annSelectedNode] = "a-node-2"
	w.put("claims", pvc)
	w.l.pass(ctx)
	w.l.pass(ctx) // the new PV is not in the cache yet: a second pass must not make another
	pvs := w.createdPVs()
	require.Len(t, pvs, 1)
	pv := pvs[0]
	assert.Regexp(t, `^nas-[0-9a-f-]{36}$`, pv.Name)
	assert.Equal(t, alibaba.NASCSIDriver, pv.Spec.CSI.Driver)
	assert.Equal(t, pv.Name, pv.Spec.CSI.VolumeHandle)
	assert.Equal(t, alibaba.NASCSIDriver, pv.Annotations[annProvisionedBy])
	assert.Equal(t, pvc.UID, pv.Spec.ClaimRef.UID)
	assert.Equal(t, []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, pv.Spec.AccessModes)
	assert.Equal(t, corev1.PersistentVolumeReclaimDelete, pv.Spec.PersistentVolumeReclaimPolicy)
	assert.Nil(t, pv.Spec.NodeAffinity, "a NAS volume is reachable from every node")
	assert.Len(t, w.events("app", "ProvisioningSucceeded"), 1)
	backing := filepath.Join(w.session.Dir, "storage", alibaba.NASCSIDriver, pv.Name)
	assert.DirExists(t, backing)

	// Two pods on two nodes see one directory.
	w.bind(pvc, pv)
	w.put("pods", runningPod("p1", "a-node-1", "shared"))
	w.put("pods", runningPod("p2", "a-node-2", "shared"))
	w.l.pass(ctx)
	m1, m2 := w.mountOf("a-node-1", "p1", pluginCSI, pv.Name, "mount"), w.mountOf("a-node-2", "p2", pluginCSI, pv.Name, "mount")
	node2, _ := w.l.c.Node("a-node-2")
	assert.Equal(t, node2.HostPath("/data/kubelet/pods/pod-uid-p2/volumes/kubernetes.io~csi/"+pv.Name+"/mount"), m2,
		"a node's own kubelet root")
	require.NoError(t, os.WriteFile(filepath.Join(m1, "hello.txt"), []byte("from p1"), 0o644))
	data, err := os.ReadFile(filepath.Join(m2, "hello.txt"))
	require.NoError(t, err)
	assert.Equal(t, "from p1", string(data))

	// A finished pod loses its directory; the volume's bytes stay.
	p1 := runningPod("p1", "a-node-1", "shared")
	p1.Status.Phase = corev1.PodSucceeded
	w.put("pods", p1)
	w.l.pass(ctx)
	node1, _ := w.l.c.Node("a-node-1")
	assert.NoDirExists(t, node1.HostPath("/var/lib/kubelet/pods/pod-uid-p1"), "pods/<uid> is removed")
	assert.DirExists(t, node1.HostPath("/var/lib/kubelet/pods"))
	assert.FileExists(t, filepath.Join(m2, "hello.txt"))

	// Released with policy Delete: the layer deletes the directory and the PV.
	w.remove("pods", p1)
	w.remove("pods", runningPod("p2", "a-node-2"))
	w.remove("claims", pvc)
	pv.Status.Phase = corev1.VolumeReleased
	w.put("volumes", &pv)
	w.l.pass(ctx)
	assert.NoDirExists(t, backing)
	assert.Empty(t, w.createdPVs())
}

func TestCSIProvisionsForeignZonalVolume(t *testing.T) {
	w := newLayerWorld(t, false)
	retain := corev1.PersistentVolumeReclaimRetain
	sc := class("gp3", ebsDriver, storagev1.VolumeBindingImmediate, map[string]string{"csi.storage.k8s.io/fstype": "xfs"})
	sc.ReclaimPolicy = &retain
	sc.AllowedTopologies = []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{
		{Key: "topology.ebs.csi.aws.com/zone", Values: []string{"cn-hangzhou-i"}}}}}
	w.put("classes", sc)
	pvc := claim("data", "gp3", "3Gi")
	w.put("claims", pvc)
	w.l.pass(context.Background())
	pvs := w.createdPVs()
	require.Len(t, pvs, 1)
	pv := pvs[0]
	assert.Equal(t, "pvc-uid-data", pv.Name)
	assert.Equal(t, "xfs", pv.Spec.CSI.FSType)
	assert.Equal(t, retain, pv.Spec.PersistentVolumeReclaimPolicy)
	assert.Equal(t, "cn-hangzhou-i", pv.Labels[corev1.LabelTopologyZone])
	assert.Equal(t, "cn-hangzhou", pv.Labels[corev1.LabelTopologyRegion])
	require.NotNil(t, pv.Spec.NodeAffinity)
	assert.Equal(t, corev1.NodeSelectorRequirement{Key: "topology.ebs.csi.aws.com/zone", Operator: corev1.NodeSelectorOpIn,
		Values: []string{"cn-hangzhou-i"}}, pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0])
	assert.Equal(t, resource.MustParse("3Gi"), pv.Spec.Capacity[corev1.ResourceStorage])
}

func TestCSIDiskClaimWithoutCloudWaits(t *testing.T) {
	w := newLayerWorld(t, false)
	w.put("classes", class("disk", alibaba.DiskCSIDriver, storagev1.VolumeBindingImmediate, nil))
	w.put("claims", claim("data", "disk", "20Gi"))
	w.l.pass(context.Background())
	w.l.pass(context.Background())
	assert.Empty(t, w.createdPVs())
	events := w.events("app", "ProvisioningFailed")
	require.Len(t, events, 1, "said once, not once a pass")
	assert.Equal(t, corev1.EventTypeWarning, events[0].Type)
	assert.Contains(t, events[0].Message, "no cloud")
}

func TestCSIServesInTreeVolumes(t *testing.T) {
	w := newLayerWorld(t, false)
	nfs := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "nfs-pv"}, Spec: corev1.PersistentVolumeSpec{
		PersistentVolumeSource: corev1.PersistentVolumeSource{NFS: &corev1.NFSVolumeSource{Server: "10.0.0.9", Path: "/exports/web"}}}}
	local := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "local-pv"}, Spec: corev1.PersistentVolumeSpec{
		PersistentVolumeSource: corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: "/mnt/disks/ssd1"}}}}
	for name, pv := range map[string]*corev1.PersistentVolume{"web": nfs, "cache": local} {
		w.bind(claim(name, "", "1Gi"), *pv)
	}
	w.put("pods", runningPod("p", "a-node-1", "web", "cache"))
	w.l.pass(context.Background())
	node, _ := w.l.c.Node("a-node-1")
	assert.Equal(t, filepath.Join(w.session.Dir, "storage", "nfs", "10.0.0.9", "exports", "web"),
		readLink(t, w.mountOf("a-node-1", "p", pluginNFS, "nfs-pv", "")))
	assert.Equal(t, node.HostPath("/mnt/disks/ssd1"), readLink(t, w.mountOf("a-node-1", "p", pluginLocal, "local-pv", "")))
}
