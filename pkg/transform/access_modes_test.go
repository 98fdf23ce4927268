package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func newTestAccessModes(t *testing.T, mapping map[string][]string) *AccessModes {
	t.Helper()
	a, err := NewAccessModes(mapping, storageTestFacts())
	require.NoError(t, err)
	return a
}

func TestAccessModesGolden(t *testing.T) {
	auto := newTestAccessModes(t, nil)
	nasRWX := map[string][]string{cnfsNAS: {"ReadWriteMany"}}
	goldenCases(t, "access_modes", map[string]Pipeline{
		"disk_auto": {auto},
		"explicit":  {newTestAccessModes(t, map[string][]string{cnfsNAS: {"ReadWriteMany"}, immediateSSD: {"ReadWriteOncePod"}})},
		"after_conversion": {
			newTestConversion(t, map[string]string{"gp2": topologyDisk, "efs-sc": cnfsNAS}),
			newTestAccessModes(t, nasRWX),
		},
		"untouched": {auto},
	})
}

func TestNewAccessModesValidates(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mapping map[string][]string
		wantErr string
	}{
		{name: "NAS shared", mapping: map[string][]string{cnfsNAS: {"ReadWriteMany", "ReadOnlyMany"}}},
		{name: "disk single node", mapping: map[string][]string{topologyDisk: {"ReadWriteOnce"}}},
		{name: "none", mapping: nil},
		{
			name:    "unknown class",
			mapping: map[string][]string{"alibabacloud-cnfs-nas-typo": {"ReadWriteMany"}},
			wantErr: "storageclass alibabacloud-cnfs-nas-typo not exists",
		},
		{
			name:    "no modes",
			mapping: map[string][]string{cnfsNAS: {}},
			wantErr: "storageclass alibabacloud-cnfs-nas: no access modes given",
		},
		{
			name:    "unknown mode",
			mapping: map[string][]string{cnfsNAS: {"RWX"}},
			wantErr: `storageclass alibabacloud-cnfs-nas: unknown access mode "RWX" (valid: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod)`,
		},
		{
			name:    "disk class shared for writing",
			mapping: map[string][]string{topologyDisk: {"ReadWriteMany"}},
			wantErr: "conflicting rules: storageclass alicloud-disk-topology-alltype provisions disks, which get ReadWriteOnce automatically, but is mapped to ReadWriteMany",
		},
		{
			name:    "disk class shared for reading",
			mapping: map[string][]string{immediateSSD: {"ReadWriteOnce", "ReadOnlyMany"}},
			wantErr: "conflicting rules: storageclass alicloud-disk-essd provisions disks, which get ReadWriteOnce automatically, but is mapped to ReadOnlyMany",
		},
		{
			name:    "ReadWriteOncePod with another mode",
			mapping: map[string][]string{cnfsNAS: {"ReadWriteOncePod", "ReadWriteOnce"}},
			wantErr: "storageclass alibabacloud-cnfs-nas: ReadWriteOncePod cannot be combined with other access modes",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := NewAccessModes(tc.mapping, storageTestFacts())
			if tc.wantErr != "" {
				assert.EqualError(t, err, tc.wantErr)
				assert.Nil(t, a)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "accessModeMapping", a.Name())
		})
	}
}

func TestAccessModesNotes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mapping  map[string][]string
		obj      map[string]any
		wantNote []string
	}{
		{
			name: "disk PVC",
			obj:  testPVC("data", topologyDisk, "ReadWriteMany"),
			wantNote: []string{
				"accessModeMapping: accessMode of PVC shop/data is ReadWriteMany; an Alibaba Cloud disk attaches to one node, so it is restored as ReadWriteOnce",
			},
		},
		{
			name: "flex disk PV",
			obj: testPV("d-1", map[string]any{"accessModes": []any{"ReadOnlyMany"}, "flexVolume": map[string]any{
				"driver": "alicloud/disk", "options": map[string]any{"volumeId": "d-1"},
			}}),
			wantNote: []string{
				"accessModeMapping: accessMode of PV d-1 is ReadOnlyMany; an Alibaba Cloud disk attaches to one node, so it is restored as ReadWriteOnce",
			},
		},
		{
			name:    "mapped NAS PVC",
			mapping: map[string][]string{cnfsNAS: {"ReadWriteMany"}},
			obj:     testPVC("media", cnfsNAS, "ReadWriteOnce"),
			wantNote: []string{
				"accessModeMapping: accessMode of PVC shop/media is ReadWriteOnce; set to ReadWriteMany for storageclass alibabacloud-cnfs-nas",
			},
		},
		{
			name:    "NAS PVC already as mapped, in another order",
			mapping: map[string][]string{cnfsNAS: {"ReadWriteMany", "ReadOnlyMany"}},
			obj:     testPVC("media", cnfsNAS, "ReadOnlyMany", "ReadWriteMany"),
		},
		{
			name: "NAS PVC",
			obj:  testPVC("media", cnfsNAS, "ReadWriteMany"),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := (&unstructured.Unstructured{Object: tc.obj}).DeepCopy()
			out := applyStorage(t, Pipeline{newTestAccessModes(t, tc.mapping)}, tc.obj)
			assert.Equal(t, tc.wantNote, out.Notes)
			if tc.wantNote == nil {
				assert.Equal(t, before.Object, tc.obj)
			}
		})
	}
}
