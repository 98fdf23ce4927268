package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const (
	topologyDisk = "alicloud-disk-topology-alltype"
	immediateSSD = "alicloud-disk-essd"
	cnfsNAS      = "alibabacloud-cnfs-nas"
)

// storageTestClasses are the StorageClasses of the target cluster in the storage rules' tests.
func storageTestClasses() map[string]StorageClass {
	return map[string]StorageClass{
		topologyDisk:                 {Name: topologyDisk, Provisioner: DiskProvisioner, VolumeBindingMode: "WaitForFirstConsumer", Parameters: map[string]string{"type": "cloud_essd,cloud_ssd,cloud_efficiency"}},
		immediateSSD:                 {Name: immediateSSD, Provisioner: DiskProvisioner, VolumeBindingMode: "Immediate"},
		"alicloud-disk-default-mode": {Name: "alicloud-disk-default-mode", Provisioner: DiskProvisioner},
		cnfsNAS:                      {Name: cnfsNAS, Provisioner: NASProvisioner, VolumeBindingMode: "Immediate"},
		"local-path":                 {Name: "local-path", Provisioner: "rancher.io/local-path", VolumeBindingMode: "WaitForFirstConsumer"},
		"alicloud-oss":               {Name: "alicloud-oss", Provisioner: "ossplugin.csi.alibabacloud.com"},
	}
}

// storageTestFacts are the facts of a restore into a target with storageTestClasses.
func storageTestFacts() *StorageFacts { return NewStorageFacts(storageTestClasses()) }

func newTestConversion(t *testing.T, mapping map[string]string) *StorageClassConversion {
	t.Helper()
	c, err := NewStorageClassConversion(mapping, storageTestFacts(), true, NewPVReplacements())
	require.NoError(t, err)
	return c
}

func TestStorageClassConversionGolden(t *testing.T) {
	toDisk := map[string]string{"*": topologyDisk}
	toNAS := map[string]string{"*": cnfsNAS}
	goldenCases(t, "storage_class", map[string]Pipeline{
		"pvc":                 {newTestConversion(t, map[string]string{"gp2": topologyDisk, "*": cnfsNAS})},
		"statefulset":         {newTestConversion(t, map[string]string{"gp2": topologyDisk, "efs-sc": cnfsNAS})},
		"pv_disk_sources":     {newTestConversion(t, toDisk)},
		"pv_nas_sources":      {newTestConversion(t, toNAS)},
		"pv_unreachable_disk": {newTestConversion(t, toDisk)},
		"pv_unreachable_nas":  {newTestConversion(t, toNAS)},
		"pvc_replaced":        {newTestConversion(t, map[string]string{"gp3": topologyDisk})},
		"untouched":           {newTestConversion(t, map[string]string{"gp2": topologyDisk})},
		"pipeline":            storageTestPipeline(t),
	})
}

// storageTestPipeline is the storage part of the restore pipeline, in the order the restore applies it.
func storageTestPipeline(t *testing.T) Pipeline {
	t.Helper()
	classes := storageTestFacts()
	conversion, err := NewStorageClassConversion(map[string]string{"alicloud-disk-ssd": topologyDisk, "gp2": topologyDisk, "efs-sc": cnfsNAS}, classes, true, nil)
	require.NoError(t, err)
	modes, err := NewAccessModes(map[string][]string{cnfsNAS: {"ReadWriteMany"}}, classes)
	require.NoError(t, err)
	rename, err := NewPVCRename("restored-", "")
	require.NoError(t, err)
	return Pipeline{conversion, modes, NewDiskMinimumSize(classes), rename}
}

func TestNewStorageClassConversionValidates(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mapping   map[string]string
		multiZone bool
		wantErr   string
	}{
		{name: "disk and NAS targets", mapping: map[string]string{"gp2": topologyDisk, "*": cnfsNAS}, multiZone: true},
		{name: "immediate disk in a single-zone cluster", mapping: map[string]string{"gp2": immediateSSD}},
		{name: "immediate NAS in a multi-zone cluster", mapping: map[string]string{"efs": cnfsNAS}, multiZone: true},
		{name: "empty mapping", mapping: map[string]string{}},
		{
			name:    "missing target",
			mapping: map[string]string{"gp2": "alicloud-disk-missing"},
			wantErr: "storageclass alicloud-disk-missing not exists (target of gp2)",
		},
		{
			name:    "target of another provisioner",
			mapping: map[string]string{"gp2": "local-path"},
			wantErr: "only support convert to storageclass with CSI diskplugin or nasplugin provisioner: storageclass local-path has provisioner rancher.io/local-path",
		},
		{
			name:    "alibaba OSS is not a valid target",
			mapping: map[string]string{"*": "alicloud-oss"},
			wantErr: "only support convert to storageclass with CSI diskplugin or nasplugin provisioner: storageclass alicloud-oss has provisioner ossplugin.csi.alibabacloud.com",
		},
		{
			name:      "immediate disk in a multi-zone cluster",
			mapping:   map[string]string{"gp2": immediateSSD},
			multiZone: true,
			wantErr: "storageclass alicloud-disk-essd binds disks Immediately, but current cluster is multi-zoned: " +
				"a disk created before its pod is scheduled may sit in a zone the pod cannot run in; " +
				"use a WaitForFirstConsumer class such as alicloud-disk-topology-alltype",
		},
		{
			name:      "unset binding mode defaults to immediate",
			mapping:   map[string]string{"gp2": "alicloud-disk-default-mode"},
			multiZone: true,
			wantErr: "storageclass alicloud-disk-default-mode binds disks Immediately, but current cluster is multi-zoned: " +
				"a disk created before its pod is scheduled may sit in a zone the pod cannot run in; " +
				"use a WaitForFirstConsumer class such as alicloud-disk-topology-alltype",
		},
		{
			name:    "empty source",
			mapping: map[string]string{"": topologyDisk},
			wantErr: `storageclass mapping to alicloud-disk-topology-alltype has an empty source class; use "*" for any class`,
		},
		{
			name:    "empty target",
			mapping: map[string]string{"gp2": ""},
			wantErr: "storageclass mapping of gp2 has no target class",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewStorageClassConversion(tc.mapping, storageTestFacts(), tc.multiZone, nil)
			if tc.wantErr != "" {
				assert.EqualError(t, err, tc.wantErr)
				assert.Nil(t, c)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "storageClassMapping", c.Name())
		})
	}
}

// applyStorage runs a pipeline over one object built from a map and returns the outcome.
func applyStorage(t *testing.T, p Pipeline, obj map[string]any) Outcome {
	t.Helper()
	u := &unstructured.Unstructured{Object: obj}
	out, err := p.Apply(Item{Object: u, FromBackup: u.DeepCopy()})
	require.NoError(t, err)
	return out
}

func testPVC(name, class string, modes ...any) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim",
		"metadata": map[string]any{"name": name, "namespace": "shop"},
		"spec": map[string]any{
			"storageClassName": class,
			"accessModes":      modes,
			"resources":        map[string]any{"requests": map[string]any{"storage": "10Gi"}},
		},
	}
}

func testPV(name string, source map[string]any) map[string]any {
	spec := map[string]any{"capacity": map[string]any{"storage": "10Gi"}, "accessModes": []any{"ReadWriteOnce"}}
	for k, v := range source {
		spec[k] = v
	}
	return map[string]any{"apiVersion": "v1", "kind": "PersistentVolume", "metadata": map[string]any{"name": name}, "spec": spec}
}

func TestStorageClassConversionNotes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mapping  map[string]string
		obj      map[string]any
		wantNote []string
		wantSkip string
	}{
		{
			name:     "PVC class",
			mapping:  map[string]string{"gp2": topologyDisk},
			obj:      testPVC("data", "gp2", "ReadWriteOnce"),
			wantNote: []string{`storageClassMapping: PVC shop/data storageClassName gp2 -> alicloud-disk-topology-alltype (mapping "gp2")`},
		},
		{
			name:     "PVC without class under *",
			mapping:  map[string]string{"*": cnfsNAS},
			obj:      testPVC("data", "", "ReadWriteMany"),
			wantNote: []string{`storageClassMapping: PVC shop/data storageClassName "" -> alibabacloud-cnfs-nas (mapping "*")`},
		},
		{
			name:    "flex disk PV",
			mapping: map[string]string{"*": topologyDisk},
			obj: testPV("d-1", map[string]any{"flexVolume": map[string]any{
				"driver": "alicloud/disk", "options": map[string]any{"volumeId": "d-1"},
			}}),
			wantNote: []string{
				"storageClassMapping: PV d-1: FlexVolume alicloud/disk volume d-1 rewritten as CSI diskplugin.csi.alibabacloud.com volume d-1 (fsType ext4), because ACK serves disks through CSI only",
				`storageClassMapping: PV d-1 storageClassName "" -> alicloud-disk-topology-alltype (mapping "*")`,
			},
		},
		{
			name:    "NFS PV",
			mapping: map[string]string{"*": cnfsNAS},
			obj:     testPV("pv-nfs", map[string]any{"nfs": map[string]any{"server": "10.0.0.5", "path": "/exports"}}),
			wantNote: []string{
				"storageClassMapping: PV pv-nfs: NFS export 10.0.0.5:/exports rewritten as CSI nasplugin.csi.alibabacloud.com volume pv-nfs on 10.0.0.5:/exports, because ACK mounts NAS and NFS through CSI",
				`storageClassMapping: PV pv-nfs storageClassName "" -> alibabacloud-cnfs-nas (mapping "*")`,
			},
		},
		{
			name:    "EBS PV",
			mapping: map[string]string{"*": topologyDisk},
			obj: func() map[string]any {
				pv := testPV("pvc-1", map[string]any{"csi": map[string]any{"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}})
				pv["spec"].(map[string]any)["claimRef"] = map[string]any{"namespace": "shop", "name": "data"}
				return pv
			}(),
			wantSkip: "PV pvc-1 is not restored: its data (CSI driver ebs.csi.aws.com volume vol-1) cannot be reached from storageclass " +
				"alicloud-disk-topology-alltype (Alibaba Cloud disk); its claim shop/data is provisioned fresh and empty under alicloud-disk-topology-alltype",
		},
		{
			name:     "disk PV to NAS",
			mapping:  map[string]string{"*": cnfsNAS},
			obj:      testPV("d-1", map[string]any{"csi": map[string]any{"driver": DiskProvisioner, "volumeHandle": "d-1"}}),
			wantSkip: "PV d-1 is not restored: its data (CSI driver diskplugin.csi.alibabacloud.com volume d-1) cannot be reached from storageclass alibabacloud-cnfs-nas (Alibaba Cloud NAS); the claim that would bind it is provisioned fresh and empty under alibabacloud-cnfs-nas",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := applyStorage(t, Pipeline{newTestConversion(t, tc.mapping)}, tc.obj)
			assert.Equal(t, tc.wantNote, out.Notes)
			assert.Equal(t, tc.wantSkip, out.Skip)
		})
	}
}

func TestStorageClassConversionResetsClaimOfReplacedPV(t *testing.T) {
	replaced := NewPVReplacements()
	// Two rule values share the record, as two plugin calls of one restore do.
	newRule := func() Rule {
		c, err := NewStorageClassConversion(map[string]string{"gp3": topologyDisk}, storageTestFacts(), true, replaced)
		require.NoError(t, err)
		return c
	}
	pv := testPV("pvc-1", map[string]any{"storageClassName": "gp3", "csi": map[string]any{"driver": "ebs.csi.aws.com", "volumeHandle": "vol-1"}})
	out := applyStorage(t, Pipeline{newRule()}, pv)
	require.NotEmpty(t, out.Skip)
	reason, ok := replaced.Replaced("pvc-1")
	require.True(t, ok)
	assert.Equal(t, out.Skip, reason)

	pvc := testPVC("data", "gp3", "ReadWriteOnce")
	pvc["spec"].(map[string]any)["volumeName"] = "pvc-1"
	pvc["metadata"].(map[string]any)["annotations"] = map[string]any{"pv.kubernetes.io/bind-completed": "yes"}
	out = applyStorage(t, Pipeline{newRule()}, pvc)
	assert.Equal(t, []string{
		`storageClassMapping: PVC shop/data storageClassName gp3 -> alicloud-disk-topology-alltype (mapping "gp3")`,
		"storageClassMapping: PVC shop/data: volumeName and binding annotations cleared so storageclass alicloud-disk-topology-alltype provisions a new, empty volume, because " + reason,
	}, out.Notes)
	assert.NotContains(t, pvc["spec"], "volumeName")
	assert.NotContains(t, pvc["metadata"], "annotations", "an annotation map left empty is removed")
}

func TestStorageClassConversionRefusesBrokenSources(t *testing.T) {
	for _, tc := range []struct {
		name    string
		target  string
		source  map[string]any
		wantErr string
	}{
		{
			name:    "flex disk without disk ID",
			target:  topologyDisk,
			source:  map[string]any{"flexVolume": map[string]any{"driver": "alicloud/disk", "options": map[string]any{}}},
			wantErr: "rule storageClassMapping: PV broken: FlexVolume alicloud/disk names no disk: options.VolumeId and options.volumeId are empty",
		},
		{
			name:   "flex disk naming two disks",
			target: topologyDisk,
			source: map[string]any{"flexVolume": map[string]any{"driver": "alicloud/disk", "options": map[string]any{"VolumeId": "d-1", "volumeId": "d-2"}}},
			// The snapshotter refuses the same PV: which disk the driver mounts is not ours to guess.
			wantErr: `rule storageClassMapping: PV broken: FlexVolume alicloud/disk options name two disks: VolumeId="d-1", volumeId="d-2"`,
		},
		{
			name:    "flex NAS without server",
			target:  cnfsNAS,
			source:  map[string]any{"flexVolume": map[string]any{"driver": "alicloud/nas", "options": map[string]any{"path": "/k8s"}}},
			wantErr: "rule storageClassMapping: PV broken: FlexVolume driver alicloud/nas export :/k8s names no NFS server",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pv := &unstructured.Unstructured{Object: testPV("broken", tc.source)}
			_, err := Pipeline{newTestConversion(t, map[string]string{"*": tc.target})}.Apply(Item{Object: pv})
			assert.EqualError(t, err, tc.wantErr)
		})
	}
}
