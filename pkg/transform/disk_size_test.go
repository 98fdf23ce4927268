package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestDiskMinimumSizeGolden(t *testing.T) {
	size := NewDiskMinimumSize(storageTestFacts())
	goldenCases(t, "disk_size", map[string]Pipeline{
		"disk":             {size},
		"after_conversion": {newTestConversion(t, map[string]string{"gp2": topologyDisk}), size},
		"untouched":        {size},
	})
}

func TestDiskMinimumSizeNotes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		obj      map[string]any
		wantNote []string
	}{
		{
			name:     "disk claim",
			obj:      testPVC("data", topologyDisk, "ReadWriteOnce"),
			wantNote: []string{"diskMinimumSize: PVC shop/data storage request is 10Gi, below the 20Gi minimum of an Alibaba Cloud disk; restored as 20Gi"},
		},
		{
			name:     "disk PV",
			obj:      testPV("d-1", map[string]any{"csi": map[string]any{"driver": DiskProvisioner, "volumeHandle": "d-1"}}),
			wantNote: []string{"diskMinimumSize: PV d-1 capacity is 10Gi, below the 20Gi minimum of an Alibaba Cloud disk; restored as 20Gi"},
		},
		{name: "NAS claim", obj: testPVC("media", cnfsNAS, "ReadWriteMany")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := applyStorage(t, Pipeline{NewDiskMinimumSize(storageTestFacts())}, tc.obj)
			assert.Equal(t, tc.wantNote, out.Notes)
			assert.Equal(t, "diskMinimumSize", NewDiskMinimumSize(nil).Name())
		})
	}
}

func TestDiskMinimumSizeRefusesBadQuantity(t *testing.T) {
	pvc := testPVC("data", topologyDisk, "ReadWriteOnce")
	pvc["spec"].(map[string]any)["resources"] = map[string]any{"requests": map[string]any{"storage": "ten gigs"}}
	_, err := Pipeline{NewDiskMinimumSize(storageTestFacts())}.Apply(Item{Object: &unstructured.Unstructured{Object: pvc}})
	require.Error(t, err)
	assert.ErrorIs(t, err, resource.ErrFormatWrong)
	assert.ErrorContains(t, err, "rule diskMinimumSize: PVC shop/data: resources.requests.storage ten gigs: ")
}
