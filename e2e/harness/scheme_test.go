package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// The tests' client reads and writes every kind they use through this scheme.
func TestSchemeKnowsTheKindsTheTestsUse(t *testing.T) {
	s := Scheme()
	for _, obj := range []runtime.Object{
		&corev1.PersistentVolumeClaim{}, &apiextv1.CustomResourceDefinition{}, &velerov1.Backup{},
		&csdrv1alpha1.FilesystemBackup{}, &csdrv1alpha1.FilesystemBackupList{},
		&csdrv1alpha1.FilesystemRestore{}, &csdrv1alpha1.FilesystemRestoreList{},
	} {
		gvks, _, err := s.ObjectKinds(obj)
		if assert.NoError(t, err, "%T", obj) {
			assert.NotEmpty(t, gvks[0].Kind)
		}
	}
}
