package transform

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func newTestRename(t *testing.T, prefix, suffix string) *PVCRename {
	t.Helper()
	r, err := NewPVCRename(prefix, suffix)
	require.NoError(t, err)
	return r
}

func TestPVCRenameGolden(t *testing.T) {
	prefix := newTestRename(t, "restored-", "")
	goldenCases(t, "pvc_rename", map[string]Pipeline{
		"prefix":            {prefix},
		"suffix":            {newTestRename(t, "", "-restored")},
		"prefix_and_suffix": {newTestRename(t, "new-", "-2")},
		"untouched":         {prefix},
	})
}

func TestNewPVCRenameValidates(t *testing.T) {
	for _, tc := range []struct {
		name, prefix, suffix string
		wantErr              string
	}{
		{name: "prefix", prefix: "restored-"},
		{name: "suffix", suffix: "-restored"},
		{name: "both", prefix: "b1-", suffix: "-2"},
		{name: "neither", wantErr: "pvcRename needs a prefix or a suffix"},
		{
			name: "upper case", prefix: "Restored-",
			wantErr: `prefix "Restored-": character 'R' is not allowed; PVC names (DNS-1123) take lowercase letters, digits and '-'`,
		},
		{
			name: "underscore", suffix: "_old",
			wantErr: `suffix "_old": character '_' is not allowed; PVC names (DNS-1123) take lowercase letters, digits and '-'`,
		},
		{
			name: "dot, which pod volume names refuse", prefix: "v1.",
			wantErr: `prefix "v1.": character '.' is not allowed; PVC names (DNS-1123) take lowercase letters, digits and '-'`,
		},
		{name: "prefix starting with a dash", prefix: "-x", wantErr: `prefix "-x" must start with a lowercase letter or digit, as PVC names do`},
		{name: "suffix ending with a dash", suffix: "x-", wantErr: `suffix "x-" must end with a lowercase letter or digit, as PVC names do`},
		{
			name: "too long", prefix: strings.Repeat("a", 200), suffix: strings.Repeat("b", 53),
			wantErr: "prefix and suffix are 253 characters, leaving no room for a name within the 253 of a PVC name",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewPVCRename(tc.prefix, tc.suffix)
			if tc.wantErr != "" {
				assert.EqualError(t, err, tc.wantErr)
				assert.Nil(t, r)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "pvcRename", r.Name())
		})
	}
}

func testStatefulSet(templates ...string) map[string]any {
	var vcts []any
	var mounts []any
	for _, name := range templates {
		vcts = append(vcts, map[string]any{"metadata": map[string]any{"name": name}, "spec": map[string]any{}})
		mounts = append(mounts, map[string]any{"name": name, "mountPath": "/" + name})
	}
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "StatefulSet",
		"metadata": map[string]any{"name": "db", "namespace": "shop"},
		"spec": map[string]any{
			"template": map[string]any{"spec": map[string]any{
				"containers": []any{map[string]any{"name": "db", "image": "postgres", "volumeMounts": mounts}},
			}},
			"volumeClaimTemplates": vcts,
		},
	}
}

func TestPVCRenameNotes(t *testing.T) {
	pv := testPV("d-1", map[string]any{"claimRef": map[string]any{"namespace": "shop", "name": "data"}})
	for _, tc := range []struct {
		name     string
		obj      map[string]any
		wantNote []string
	}{
		{name: "PVC", obj: testPVC("data", topologyDisk), wantNote: []string{"pvcRename: PVC shop/data renamed restored-data"}},
		{name: "PV", obj: pv, wantNote: []string{"pvcRename: PV d-1 claimRef shop/data -> shop/restored-data"}},
		{name: "PV claimed by something else", obj: testPV("d-2", map[string]any{"claimRef": map[string]any{"kind": "Reservation", "name": "data"}})},
		{
			name: "StatefulSet",
			obj:  testStatefulSet("data"),
			wantNote: []string{
				"pvcRename: StatefulSet shop/db volumeClaimTemplate data renamed restored-data with 1 volume mounts/devices, so its claims restored-data-db-<ordinal> are the renamed PVCs",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := (&unstructured.Unstructured{Object: tc.obj}).DeepCopy()
			out := applyStorage(t, Pipeline{newTestRename(t, "restored-", "")}, tc.obj)
			assert.Equal(t, tc.wantNote, out.Notes)
			if tc.wantNote == nil {
				assert.Equal(t, before.Object, tc.obj)
			}
		})
	}
}

func TestPVCRenameRefusesAtApply(t *testing.T) {
	long := strings.Repeat("a", 240)
	deployment := map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "shop"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"containers": []any{map[string]any{"name": "web", "image": "nginx"}},
			"volumes": []any{
				map[string]any{"name": "ok", "persistentVolumeClaim": map[string]any{"claimName": "ok"}},
				map[string]any{"name": "media", "persistentVolumeClaim": map[string]any{"claimName": long}},
			},
		}}},
	}
	for _, tc := range []struct {
		name           string
		prefix, suffix string
		obj            map[string]any
		wantErr        string
	}{
		{
			name: "PVC name too long", prefix: "restored-", suffix: "-bak-2024-01",
			obj: testPVC(long, topologyDisk),
			wantErr: `rule pvcRename: PVC shop/` + long + `: renamed claim "restored-` + long + `-bak-2024-01" (261 characters) is not a valid PVC name: ` +
				"must be no more than 253 characters",
		},
		{
			name: "claim name in a pod template too long", prefix: "restored-", suffix: "-bak-2024-01",
			obj: deployment,
			wantErr: `rule pvcRename: Deployment shop/web: renamed claim "restored-` + long + `-bak-2024-01" (261 characters) is not a valid PVC name: ` +
				"must be no more than 253 characters",
		},
		{
			name: "StatefulSet with a suffix", suffix: "-bak",
			obj: testStatefulSet("data"),
			wantErr: `rule pvcRename: StatefulSet shop/db: pvcRename suffix "-bak" cannot follow its volumeClaimTemplates: the StatefulSet controller names claims ` +
				"<template>-db-<ordinal>, so the pods would get new, empty claims instead of the renamed ones; use a prefix only",
		},
		{
			name: "template name beyond a volume name", prefix: strings.Repeat("p", 60),
			obj: testStatefulSet("data"),
			wantErr: `rule pvcRename: StatefulSet shop/db: renamed volumeClaimTemplate "` + strings.Repeat("p", 60) + `data" (64 characters) is not a valid volume name: ` +
				"must be no more than 63 characters",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: tc.obj}
			before := obj.DeepCopy()
			_, err := Pipeline{newTestRename(t, tc.prefix, tc.suffix)}.Apply(Item{Object: obj})
			assert.EqualError(t, err, tc.wantErr)
			assert.Equal(t, before, obj, "a refused object is left as it was")
		})
	}
}
