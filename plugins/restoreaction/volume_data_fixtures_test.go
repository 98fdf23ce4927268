package restoreaction

import (
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// staticClients hands out one client, or an error.
type staticClients struct {
	c   kbclient.Client
	err error
}

func (s staticClients) Client() (kbclient.Client, error) { return s.c, s.err }

func (s staticClients) Namespace() string { return "velero" }

func testScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(s))
	require.NoError(t, velerov1.AddToScheme(s))
	require.NoError(t, csdrv1alpha1.AddToScheme(s))
	return s
}

// cluster is a fake target cluster with the restore's Backup (synced from the bucket, with a UID of
// its own) and objs.
func cluster(t *testing.T, objs ...kbclient.Object) kbclient.Client {
	t.Helper()
	objs = append(objs, &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: "velero", UID: "b-uid-here"}})
	return crfake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).
		WithStatusSubresource(&csdrv1alpha1.FilesystemRestore{}).Build()
}

func newVolumeAction(c kbclient.Client) (*VolumeDataAction, *test.Hook) {
	log, hook := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	return NewVolumeDataAction(staticClients{c: c}, log), hook
}

func veleroRestore(mapping map[string]string) *velerov1.Restore {
	return &velerov1.Restore{
		ObjectMeta: metav1.ObjectMeta{Name: "r1", Namespace: "velero", UID: "r-uid-1"},
		Spec:       velerov1.RestoreSpec{BackupName: "nightly", NamespaceMapping: mapping},
	}
}

// readClaim reads a YAML claim of testdata/volume_data.
func readClaim(t *testing.T, data []byte) *unstructured.Unstructured {
	t.Helper()
	obj := map[string]any{}
	require.NoError(t, yaml.Unmarshal(data, &obj))
	return &unstructured.Unstructured{Object: obj}
}

// input is what Velero hands the action: the claim after the earlier actions, and as the backup has it.
func input(pvc *unstructured.Unstructured, restore *velerov1.Restore) *velero.RestoreItemActionExecuteInput {
	item := pvc.DeepCopy()
	// Velero strips these before any action runs.
	unstructured.RemoveNestedField(item.Object, "metadata", "uid")
	return &velero.RestoreItemActionExecuteInput{Item: item, ItemFromBackup: pvc, Restore: restore}
}

// fsbRef is the claim's FilesystemBackupAnnotation: the record the backup made of its volume.
const fsbRef = "velero/nightly-7d1e4c2a"

// backedUpClaim is a claim of the backup; annotations may name its FilesystemBackup.
func backedUpClaim(annotations map[string]string) *unstructured.Unstructured {
	pvc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim",
		"metadata": map[string]any{"name": "data", "namespace": "shop", "uid": "7d1e4c2a-0000-4000-8000-000000000001"},
		"spec": map[string]any{"accessModes": []any{"ReadWriteMany"}, "storageClassName": "alibabacloud-cnfs-nas",
			"volumeName": "nas-650d", "resources": map[string]any{"requests": map[string]any{"storage": "8Gi"}}},
	}}
	pvc.SetAnnotations(annotations)
	return pvc
}
