package v1alpha1

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
)

func TestAddToScheme(t *testing.T) {
	s := runtime.NewScheme()
	require.NoError(t, AddToScheme(s))
	for kind, obj := range map[string]runtime.Object{
		"FilesystemBackup": &FilesystemBackup{}, "FilesystemBackupList": &FilesystemBackupList{},
		"FilesystemRestore": &FilesystemRestore{}, "FilesystemRestoreList": &FilesystemRestoreList{},
	} {
		gvks, _, err := s.ObjectKinds(obj)
		require.NoError(t, err, kind)
		assert.Equal(t, GroupVersion.WithKind(kind), gvks[0])
	}
	assert.Equal(t, "filesystembackups.csdr.io", Resource("filesystembackups").String())
}
