package restoreaction

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestSkipRecords(t *testing.T) {
	sel, err := SkipRecordsAction{}.AppliesTo()
	require.NoError(t, err)
	// Not filesystembackups: Velero runs v1 actions first and no action after a skip, so the source
	// action would never see them.
	assert.Equal(t, []string{"filesystemrestores.csdr.io"}, sel.IncludedResources)

	item := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "csdr.io/v1alpha1", "kind": "FilesystemRestore",
		"metadata": map[string]any{"namespace": "velero", "name": "r0-0f1e2d3c"}}}
	out, err := SkipRecordsAction{}.Execute(&velero.RestoreItemActionExecuteInput{Item: item, ItemFromBackup: item})
	require.NoError(t, err)
	assert.True(t, out.SkipRestore)
	assert.Equal(t, item, out.UpdatedItem, "the item goes back explicitly: nil is unchanged only over gRPC")
}
