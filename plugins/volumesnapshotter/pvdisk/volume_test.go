package pvdisk

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// pvFromYAML decodes a PV the way Velero hands one over: JSON-typed unstructured content.
func pvFromYAML(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	obj := map[string]any{}
	require.NoError(t, yaml.Unmarshal([]byte(doc), &obj))
	return &unstructured.Unstructured{Object: obj}
}

func TestDiskOf(t *testing.T) {
	tests := []struct {
		name    string
		pv      string
		want    Volume
		ours    bool
		wantErr []string
	}{
		{
			name: "CSI disk with ACK's zone affinity",
			pv: `
metadata: {name: d-bp1a}
spec:
  csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-bp1a}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: topology.diskplugin.csi.alibabacloud.com/zone, operator: In, values: [cn-hangzhou-h]}`,
			want: Volume{DiskID: "d-bp1a", Kind: CSIVolume, Zone: "cn-hangzhou-h"},
			ours: true,
		},
		{
			name: "zone label wins over node affinity, ACK's label over the standard one",
			pv: `
metadata:
  labels:
    topology.kubernetes.io/zone: cn-hangzhou-i
    topology.diskplugin.csi.alibabacloud.com/zone: cn-hangzhou-j
spec:
  csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-bp1a}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: topology.diskplugin.csi.alibabacloud.com/zone, operator: In, values: [cn-hangzhou-h]}`,
			want: Volume{DiskID: "d-bp1a", Kind: CSIVolume, Zone: "cn-hangzhou-j"},
			ours: true,
		},
		{
			name: "legacy failure-domain label",
			pv: `
metadata: {labels: {failure-domain.beta.kubernetes.io/zone: cn-hangzhou-g}}
spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-bp1a}}`,
			want: Volume{DiskID: "d-bp1a", Kind: CSIVolume, Zone: "cn-hangzhou-g"},
			ours: true,
		},
		{
			name: "zone from the second term; NotIn and several zones do not say where the disk is",
			pv: `
spec:
  csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-bp1a}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: kubernetes.io/hostname, operator: In, values: [node-a]}
        - {key: topology.kubernetes.io/zone, operator: NotIn, values: [cn-hangzhou-a]}
        - {key: topology.diskplugin.csi.alibabacloud.com/zone, operator: In, values: [cn-hangzhou-b, cn-hangzhou-c]}
      - matchExpressions:
        - {key: failure-domain.beta.kubernetes.io/zone, operator: In, values: [cn-hangzhou-k]}`,
			want: Volume{DiskID: "d-bp1a", Kind: CSIVolume, Zone: "cn-hangzhou-k"},
			ours: true,
		},
		{
			name: "CSI disk without zone",
			pv:   `spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-bp1a}}`,
			want: Volume{DiskID: "d-bp1a", Kind: CSIVolume},
			ours: true,
		},
		{
			name: "Flex disk, VolumeId",
			pv:   `spec: {flexVolume: {driver: alicloud/disk, fsType: ext4, options: {VolumeId: d-bp1f}}}`,
			want: Volume{DiskID: "d-bp1f", Kind: FlexVolume},
			ours: true,
		},
		{
			name: "Flex disk, older volumeId spelling",
			pv:   `spec: {flexVolume: {driver: alicloud/disk, options: {volumeId: d-bp1f}}}`,
			want: Volume{DiskID: "d-bp1f", Kind: FlexVolume},
			ours: true,
		},
		{
			name: "Flex disk, both spellings agree",
			pv:   `spec: {flexVolume: {driver: alicloud/disk, options: {VolumeId: d-bp1f, volumeId: d-bp1f}}}`,
			want: Volume{DiskID: "d-bp1f", Kind: FlexVolume},
			ours: true,
		},

		{name: "NAS CSI", pv: `spec: {csi: {driver: nasplugin.csi.alibabacloud.com, volumeHandle: nas-pv}}`},
		{name: "OSS CSI", pv: `spec: {csi: {driver: ossplugin.csi.alibabacloud.com, volumeHandle: oss-pv}}`},
		{name: "CPFS CSI", pv: `spec: {csi: {driver: bmcpfsplugin.csi.alibabacloud.com, volumeHandle: cpfs-pv}}`},
		{name: "local disk CSI", pv: `spec: {csi: {driver: localplugin.csi.alibabacloud.com, volumeHandle: local-pv}}`},
		{name: "another cloud's CSI", pv: `spec: {csi: {driver: ebs.csi.aws.com, volumeHandle: vol-0abc}}`},
		{name: "NAS Flex", pv: `spec: {flexVolume: {driver: alicloud/nas, options: {server: x.nas.aliyuncs.com}}}`},
		{name: "OSS Flex", pv: `spec: {flexVolume: {driver: alicloud/oss, options: {bucket: b}}}`},
		{name: "hostPath", pv: `spec: {hostPath: {path: /data}}`},
		{name: "local", pv: `spec: {local: {path: /mnt/disks/ssd1}}`},
		{name: "NFS", pv: `spec: {nfs: {server: 10.0.0.1, path: /exports}}`},
		{name: "in-tree AWS EBS", pv: `spec: {awsElasticBlockStore: {volumeID: vol-0abc}}`},
		{name: "no volume source", pv: `spec: {capacity: {storage: 1Gi}}`},
		{name: "empty object", pv: `{}`},

		{name: "CSI disk with an empty volume handle", pv: `{metadata: {name: pv-1}, spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: ""}}}`, wantErr: []string{`PersistentVolume "pv-1"`, "volume handle", `""`}},
		{name: "CSI disk without a volume handle", pv: `spec: {csi: {driver: diskplugin.csi.alibabacloud.com}}`, wantErr: []string{"volume handle"}},
		{name: "CSI disk with a blank volume handle", pv: `spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: " "}}`, wantErr: []string{"is not a disk ID"}},
		{name: "CSI disk with a path for a handle", pv: `spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: /dev/vdb}}`, wantErr: []string{"is not a disk ID"}},
		{name: "CSI volume handle not a string", pv: `spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: 42}}`, wantErr: []string{"volumeHandle", "not a string"}},
		{name: "Flex disk without options", pv: `spec: {flexVolume: {driver: alicloud/disk}}`, wantErr: []string{"VolumeId", "names no disk"}},
		{name: "Flex disk with empty VolumeId", pv: `spec: {flexVolume: {driver: alicloud/disk, options: {VolumeId: ""}}}`, wantErr: []string{"names no disk"}},
		{name: "Flex disk with a path for VolumeId", pv: `spec: {flexVolume: {driver: alicloud/disk, options: {VolumeId: /dev/vdb}}}`, wantErr: []string{"not a disk ID"}},
		{name: "flexVolume is not a map", pv: `spec: {flexVolume: alicloud/disk}`, wantErr: []string{"spec.flexVolume", "not a map"}},
		{name: "Flex disk naming two disks", pv: `spec: {flexVolume: {driver: alicloud/disk, options: {VolumeId: d-1, volumeId: d-2}}}`, wantErr: []string{"two disks", `"d-1"`, `"d-2"`}},
		{name: "csi is not a map", pv: `spec: {csi: disk}`, wantErr: []string{"spec.csi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ours, err := DiskOf(pvFromYAML(t, tt.pv))
			if len(tt.wantErr) > 0 {
				require.Error(t, err)
				assert.False(t, ours)
				for _, s := range tt.wantErr {
					assert.Contains(t, err.Error(), s)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.ours, ours)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDiskOfNil(t *testing.T) {
	_, ours, err := DiskOf(nil)
	require.Error(t, err)
	assert.False(t, ours)
	_, ours, err = DiskOf((*unstructured.Unstructured)(nil))
	require.Error(t, err)
	assert.False(t, ours)
	_, err = SetDisk(nil, "d-new", "cn-hangzhou-h", "cn-hangzhou")
	require.Error(t, err)
}

// The new disk every golden case moves to: another region, to exercise zone and region keys at once.
const (
	goldenDiskID = "d-uf6restored0001"
	goldenZone   = "cn-shanghai-l"
	goldenRegion = "cn-shanghai"
)

// TestSetDiskGolden runs SetDisk on testdata/set_disk/<case>.in.yaml and compares the result, after a
// round trip through YAML, with <case>.out.yaml.
func TestSetDiskGolden(t *testing.T) {
	inputs, err := filepath.Glob(filepath.Join("testdata", "set_disk", "*.in.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			pv := pvFromYAML(t, readFile(t, in))
			original := pv.DeepCopy()

			got, err := SetDisk(pv, goldenDiskID, goldenZone, goldenRegion)
			require.NoError(t, err)
			assert.Equal(t, original, pv, "SetDisk modified its input")

			data, err := yaml.Marshal(got.Object)
			require.NoError(t, err)
			want := pvFromYAML(t, readFile(t, strings.TrimSuffix(in, ".in.yaml")+".out.yaml"))
			assert.Equal(t, want.Object, pvFromYAML(t, string(data)).Object, "got:\n%s", data)

			vol, ours, err := DiskOf(got)
			require.NoError(t, err)
			assert.True(t, ours)
			assert.Equal(t, goldenDiskID, vol.DiskID)
		})
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func TestSetDiskRefuses(t *testing.T) {
	csi := `{metadata: {name: pv-1}, spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-old}}}`
	tests := []struct {
		name               string
		pv                 string
		disk, zone, region string
		wantErr            []string
	}{
		{name: "not a disk PV", pv: `{metadata: {name: nas}, spec: {csi: {driver: nasplugin.csi.alibabacloud.com, volumeHandle: x}}}`,
			disk: "d-new", zone: "cn-hangzhou-h", region: "cn-hangzhou", wantErr: []string{`"nas" is not an Alibaba Cloud disk`}},
		{name: "malformed disk PV", pv: `spec: {csi: {driver: diskplugin.csi.alibabacloud.com}}`,
			disk: "d-new", zone: "cn-hangzhou-h", region: "cn-hangzhou", wantErr: []string{"volume handle"}},
		{name: "empty disk ID", pv: csi, zone: "cn-hangzhou-h", region: "cn-hangzhou", wantErr: []string{`"pv-1"`, "new disk ID"}},
		{name: "empty zone", pv: csi, disk: "d-new", region: "cn-hangzhou", wantErr: []string{"zone", "region"}},
		{name: "empty region", pv: csi, disk: "d-new", zone: "cn-hangzhou-h", wantErr: []string{"zone", "region"}},
		{name: "zone of another region", pv: csi, disk: "d-new", zone: "cn-beijing-h", region: "cn-hangzhou",
			wantErr: []string{`"cn-beijing-h" is not a zone of region "cn-hangzhou"`}},
		{name: "node selector term not a map", pv: `{spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-old}, nodeAffinity: {required: {nodeSelectorTerms: [x]}}}}`,
			disk: "d-new", zone: "cn-hangzhou-h", region: "cn-hangzhou", wantErr: []string{"nodeSelectorTerms[0]", "not a map"}},
		{name: "node affinity not a map", pv: `{spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-old}, nodeAffinity: x}}`,
			disk: "d-new", zone: "cn-hangzhou-h", region: "cn-hangzhou", wantErr: []string{"spec.nodeAffinity"}},
		{name: "labels not a map", pv: `{metadata: {labels: [a]}, spec: {csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: d-old}}}`,
			disk: "d-new", zone: "cn-hangzhou-h", region: "cn-hangzhou", wantErr: []string{"metadata.labels"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetDisk(pvFromYAML(t, tt.pv), tt.disk, tt.zone, tt.region)
			require.Error(t, err)
			assert.Nil(t, got)
			for _, s := range tt.wantErr {
				assert.Contains(t, err.Error(), s)
			}
		})
	}
}

// Velero passes the PV it decoded from the backup; a PV built in Go with non-JSON types (int, []string)
// must not make the copy panic.
func TestSetDiskCopiesGoTypedContent(t *testing.T) {
	pv := &unstructured.Unstructured{Object: map[string]any{
		"metadata": map[string]any{"name": "typed", "generation": 3},
		"spec": map[string]any{
			"csi":          map[string]any{"driver": alibaba.DiskCSIDriver, "volumeHandle": "d-old"},
			"mountOptions": []string{"noatime"},
		},
	}}
	got, err := SetDisk(pv, "d-new", "cn-hangzhou-h", "cn-hangzhou")
	require.NoError(t, err)
	assert.Equal(t, "d-old", pv.Object["spec"].(map[string]any)["csi"].(map[string]any)["volumeHandle"])
	vol, ours, err := DiskOf(got)
	require.NoError(t, err)
	assert.True(t, ours)
	assert.Equal(t, Volume{DiskID: "d-new", Kind: CSIVolume, Zone: "cn-hangzhou-h"}, vol)
	assert.Equal(t, []any{"noatime"}, got.Object["spec"].(map[string]any)["mountOptions"])
}
