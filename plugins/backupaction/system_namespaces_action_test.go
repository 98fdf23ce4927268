package backupaction

import (
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func obj(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func backupOf(spec velerov1.BackupSpec) *velerov1.Backup {
	return &velerov1.Backup{Spec: spec}
}

func TestSystemNamespacesAction(t *testing.T) {
	items := NewSystemNamespacesAction(logrus.New())
	namespaces := NewSystemNamespaceObjectsAction(logrus.New())
	tests := []struct {
		name     string
		action   *SystemNamespacesAction
		item     *unstructured.Unstructured
		included []string
		skipped  bool
	}{
		{"kube-system item in a backup of everything", items, obj("v1", "ConfigMap", "kube-system", "x"), nil, true},
		{"kube-system item when * is included", items, obj("v1", "ConfigMap", "kube-system", "x"), []string{"*"}, true},
		{"csdr item", items, obj("v1", "Secret", "csdr", "x"), []string{"*", "app"}, true},
		{"kube-system named literally", items, obj("v1", "ConfigMap", "kube-system", "x"), []string{"app", "kube-system"}, false},
		{"kube-system named by a pattern", items, obj("v1", "ConfigMap", "kube-system", "x"), []string{"kube-*"}, false},
		{"kube-public not named by kube-system", items, obj("v1", "ConfigMap", "kube-public", "x"), []string{"kube-system"}, true},
		{"an application namespace is never ours to skip", items, obj("v1", "ConfigMap", "shop", "x"), nil, false},
		{"kube-system Namespace object", namespaces, obj("v1", "Namespace", "", "kube-node-lease"), nil, true},
		{"application Namespace object", namespaces, obj("v1", "Namespace", "", "shop"), nil, false},
		{"named Namespace object", namespaces, obj("v1", "Namespace", "", "ack-csi-fuse"), []string{"ack-csi-fuse"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.item.DeepCopy()
			got, extra, err := tt.action.Execute(tt.item, backupOf(velerov1.BackupSpec{IncludedNamespaces: tt.included}))
			require.NoError(t, err)
			assert.Empty(t, extra)
			_, skipped := got.(*unstructured.Unstructured).GetAnnotations()[velerov1.SkipFromBackupAnnotation]
			assert.Equal(t, tt.skipped, skipped)
			if !tt.skipped {
				assert.Equal(t, before.Object, got.UnstructuredContent(), "an item we keep is not touched")
			}
		})
	}
}

func TestSystemNamespacesSelectors(t *testing.T) {
	sel, err := NewSystemNamespacesAction(logrus.New()).AppliesTo()
	require.NoError(t, err)
	assert.ElementsMatch(t, SystemNamespaces, sel.IncludedNamespaces)
	assert.Empty(t, sel.IncludedResources)
	sel, err = NewSystemNamespaceObjectsAction(logrus.New()).AppliesTo()
	require.NoError(t, err)
	assert.Equal(t, []string{"namespaces"}, sel.IncludedResources)
	assert.Empty(t, sel.IncludedNamespaces, "Velero offers cluster-scoped items only to actions without a namespace filter")
}

// BenchmarkSystemNamespaceItem is the cost a skipped kube-system item adds inside the plugin (the gRPC
// call around it is Velero's).
func BenchmarkSystemNamespaceItem(b *testing.B) {
	a := NewSystemNamespacesAction(logrus.New())
	backup := backupOf(velerov1.BackupSpec{IncludedNamespaces: []string{"*"}})
	item := obj("v1", "ConfigMap", "kube-system", "x")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, _, err := a.Execute(item.DeepCopy(), backup); err != nil {
			b.Fatal(err)
		}
	}
}
