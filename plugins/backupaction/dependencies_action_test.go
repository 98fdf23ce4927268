package backupaction

import (
	"context"
	"errors"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

type fakeCRDs struct {
	list []CRD
	err  error
}

func (f fakeCRDs) CRDs(context.Context) ([]CRD, error) { return f.list, f.err }

func withSpec(u *unstructured.Unstructured, field, value string) *unstructured.Unstructured {
	if err := unstructured.SetNestedField(u.Object, value, "spec", field); err != nil {
		panic(err)
	}
	return u
}

func withAnnotation(u *unstructured.Unstructured, k, v string) *unstructured.Unstructured {
	u.SetAnnotations(map[string]string{k: v})
	return u
}

func TestDependenciesAction(t *testing.T) {
	off := false
	widgets := []CRD{{Name: "widgets.shop.example.com", Group: "shop.example.com", Kind: "Widget"}}
	tests := []struct {
		name string
		item *unstructured.Unstructured
		spec velerov1.BackupSpec
		want []velero.ResourceIdentifier
	}{
		{"ingress class from spec", withSpec(obj("networking.k8s.io/v1", "Ingress", "shop", "web"), "ingressClassName", "nginx"),
			velerov1.BackupSpec{IncludedNamespaces: []string{"shop"}},
			[]velero.ResourceIdentifier{{GroupResource: ingressClasses, Name: "nginx"}}},
		{"ingress class from the legacy annotation", withAnnotation(obj("extensions/v1beta1", "Ingress", "shop", "web"), "kubernetes.io/ingress.class", "alb"),
			velerov1.BackupSpec{}, []velero.ResourceIdentifier{{GroupResource: ingressClasses, Name: "alb"}}},
		{"ingress without a class", obj("networking.k8s.io/v1", "Ingress", "shop", "web"), velerov1.BackupSpec{}, nil},
		{"storage class of a claim", withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "alicloud-disk-essd"),
			velerov1.BackupSpec{IncludedResources: []string{"persistentvolumeclaims"}},
			[]velero.ResourceIdentifier{{GroupResource: storageClasses, Name: "alicloud-disk-essd"}}},
		{"storage class from the beta annotation", withAnnotation(obj("v1", "PersistentVolumeClaim", "shop", "data"), "volume.beta.kubernetes.io/storage-class", "alicloud-disk-ssd"),
			velerov1.BackupSpec{}, []velero.ResourceIdentifier{{GroupResource: storageClasses, Name: "alicloud-disk-ssd"}}},
		{"cluster resources turned off", withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "x"),
			velerov1.BackupSpec{IncludeClusterResources: &off}, nil},
		{"storage classes excluded by name", withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "x"),
			velerov1.BackupSpec{ExcludedResources: []string{"storageclasses.storage.k8s.io"}}, nil},
		{"ingress classes excluded by plural", withSpec(obj("networking.k8s.io/v1", "Ingress", "shop", "web"), "ingressClassName", "nginx"),
			velerov1.BackupSpec{ExcludedResources: []string{"ingressclasses"}}, nil},
		{"CRD left to Velero when resources are not filtered", obj("shop.example.com/v1", "Widget", "shop", "w"),
			velerov1.BackupSpec{IncludedNamespaces: []string{"shop"}}, nil},
		{"CRD left to Velero when CRDs are included", obj("shop.example.com/v1", "Widget", "shop", "w"),
			velerov1.BackupSpec{IncludedResources: []string{"widgets.shop.example.com", "customresourcedefinitions"}}, nil},
		{"CRD added when the resource list leaves it out", obj("shop.example.com/v1", "Widget", "shop", "w"),
			velerov1.BackupSpec{IncludedResources: []string{"widgets.shop.example.com"}},
			[]velero.ResourceIdentifier{{GroupResource: crds, Name: "widgets.shop.example.com"}}},
		{"CRD not added when CRDs are excluded", obj("shop.example.com/v1", "Widget", "shop", "w"),
			velerov1.BackupSpec{IncludedResources: []string{"widgets.shop.example.com"}, ExcludedResources: []string{"customresourcedefinitions.apiextensions.k8s.io"}}, nil},
		{"a kind of another group is no custom resource", obj("other.example.com/v1", "Widget", "shop", "w"),
			velerov1.BackupSpec{IncludedResources: []string{"widgets.other.example.com"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewDependenciesAction(logrus.New(), fakeCRDs{list: widgets})
			_, err := a.AppliesTo()
			require.NoError(t, err)
			got, extra, err := a.Execute(tt.item, backupOf(tt.spec))
			require.NoError(t, err)
			assert.Equal(t, tt.want, extra)
			mustInclude := got.(*unstructured.Unstructured).GetAnnotations()[velerov1.MustIncludeAdditionalItemAnnotation]
			assert.Equal(t, len(tt.want) > 0, mustInclude == "true",
				"a dependency we add must survive Velero's filter check; none means the item is untouched")
		})
	}
}

func TestDependenciesAppliesTo(t *testing.T) {
	a := NewDependenciesAction(logrus.New(), fakeCRDs{list: []CRD{{Name: "widgets.shop.example.com", Group: "shop.example.com", Kind: "Widget"}}})
	sel, err := a.AppliesTo()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"ingresses.networking.k8s.io", "ingresses.extensions", "persistentvolumeclaims",
		"widgets.shop.example.com"}, sel.IncludedResources)

	broken := NewDependenciesAction(logrus.New(), fakeCRDs{err: errors.New("forbidden")})
	sel, err = broken.AppliesTo()
	require.NoError(t, err, "a backup is not failed for want of CRD completion")
	assert.Len(t, sel.IncludedResources, 3)
}
