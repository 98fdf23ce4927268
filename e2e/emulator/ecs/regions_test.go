package ecs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDefaultRegionsAreValid(t *testing.T) {
	regions := DefaultRegions()
	require.NoError(t, ValidateRegions(regions))
	m := newRegionModel(regions)
	assert.False(t, m.zone["cn-beijing-i"].sells(CategoryEfficiency), "one zone lacks a category, so refusals can be tested")
	assert.True(t, m.zone["cn-beijing-h"].sells(CategoryEfficiency))
	assert.Equal(t, "cn-shanghai", m.zoneOf["cn-shanghai-m"])
}

func TestReadRegions(t *testing.T) {
	const inline = `[{"id":"r1","zones":[{"id":"r1-a","diskCategories":["cloud_essd","cloud_auto"]}]}]`
	regions, err := ReadRegions(inline)
	require.NoError(t, err)
	assert.Equal(t, []Region{{ID: "r1", Zones: []Zone{{ID: "r1-a", DiskCategories: []string{"cloud_essd", "cloud_auto"}}}}}, regions)

	path := filepath.Join(t.TempDir(), "regions.json")
	require.NoError(t, os.WriteFile(path, []byte(inline), 0o600))
	fromFile, err := ReadRegions(path)
	require.NoError(t, err)
	assert.Equal(t, regions, fromFile)

	tests := []struct {
		spec, wantErr string
	}{
		{"/nonexistent/regions.json", "read ecs regions file"},
		{`[{"id":"r1","zones":[]}]`, "region r1 has no zones"},
		{`[]`, "at least one region"},
		{`[{"id":"r1","zones":[{"id":"a","diskCategories":[]}]}]`, "zone a has no disk categories"},
		{`[{"id":"r1","zones":[{"id":"a","diskCategories":["tape"]}]}]`, `unknown disk category "tape" (valid: cloud, cloud_auto, cloud_efficiency, cloud_essd, cloud_essd_entry, cloud_ssd)`},
		{`[{"id":"r1","zones":[{"id":"r1","diskCategories":["cloud"]}]}]`, `id "r1" appears twice`},
		{`[{"id":"r1","zones":[{"id":"a","diskCategories":["cloud"],"iops":1}]}]`, "unknown field"},
		{`[{"zones":[{"id":"a","diskCategories":["cloud"]}]}]`, "a region has no id"},
	}
	for _, tt := range tests {
		_, err := ReadRegions(tt.spec)
		assert.ErrorContains(t, err, tt.wantErr, tt.spec)
	}
}

func TestSizeLimits(t *testing.T) {
	tests := []struct {
		category, pl string
		want         sizeRange
	}{
		{CategoryESSD, "PL0", sizeRange{1, 65536}},
		{CategoryESSD, "PL1", sizeRange{20, 65536}},
		{CategoryESSD, "PL2", sizeRange{461, 65536}},
		{CategoryESSD, "PL3", sizeRange{1261, 65536}},
		{CategoryEfficiency, "", sizeRange{20, 32768}},
		{CategorySSD, "", sizeRange{20, 32768}},
		{CategoryAuto, "", sizeRange{1, 65536}},
		{CategoryESSDEntry, "", sizeRange{10, 32768}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, sizeLimit(tt.category, tt.pl), tt.category+" "+tt.pl)
	}
}
