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

func withPriorityClass(u *unstructured.Unstructured, name string, path ...string) *unstructured.Unstructured {
	if err := unstructured.SetNestedField(u.Object, name, append(path, "priorityClassName")...); err != nil {
		panic(err)
	}
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
		// mustInclude: Velero's filter would drop the dependency unless the item says it must be kept.
		mustInclude bool
		// crds are the cluster's CRDs besides widgets.
		crds []CRD
	}{
		{name: "ingress class from spec", item: withSpec(obj("networking.k8s.io/v1", "Ingress", "shop", "web"), "ingressClassName", "nginx"),
			spec: velerov1.BackupSpec{IncludedNamespaces: []string{"shop"}},
			want: []velero.ResourceIdentifier{{GroupResource: ingressClasses, Name: "nginx"}}},
		{name: "ingress class from the legacy annotation", item: withAnnotation(obj("extensions/v1beta1", "Ingress", "shop", "web"), "kubernetes.io/ingress.class", "alb"),
			want: []velero.ResourceIdentifier{{GroupResource: ingressClasses, Name: "alb"}}},
		{name: "ingress without a class", item: obj("networking.k8s.io/v1", "Ingress", "shop", "web")},
		{name: "storage class of a claim, resources listed without it", item: withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "alicloud-disk-essd"),
			spec:        velerov1.BackupSpec{IncludedResources: []string{"persistentvolumeclaims"}},
			want:        []velero.ResourceIdentifier{{GroupResource: storageClasses, Name: "alicloud-disk-essd"}},
			mustInclude: true},
		{name: "storage class of a claim, resources listed with it", item: withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "alicloud-disk-essd"),
			spec: velerov1.BackupSpec{IncludedResources: []string{"persistentvolumeclaims", "storageclasses"}},
			want: []velero.ResourceIdentifier{{GroupResource: storageClasses, Name: "alicloud-disk-essd"}}},
		{name: "storage class of a claim, cluster resources asked for", item: withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "alicloud-disk-essd"),
			spec: velerov1.BackupSpec{IncludedResources: []string{"persistentvolumeclaims"}, IncludeClusterResources: boolPtr(true)},
			want: []velero.ResourceIdentifier{{GroupResource: storageClasses, Name: "alicloud-disk-essd"}}},
		{name: "storage class of a claim, scoped filters", item: withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "alicloud-disk-essd"),
			spec: velerov1.BackupSpec{IncludedNamespaceScopedResources: []string{"persistentvolumeclaims"}},
			want: []velero.ResourceIdentifier{{GroupResource: storageClasses, Name: "alicloud-disk-essd"}}},
		{name: "storage class from the beta annotation", item: withAnnotation(obj("v1", "PersistentVolumeClaim", "shop", "data"), "volume.beta.kubernetes.io/storage-class", "alicloud-disk-ssd"),
			want: []velero.ResourceIdentifier{{GroupResource: storageClasses, Name: "alicloud-disk-ssd"}}},
		{name: "cluster resources turned off", item: withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "x"),
			spec: velerov1.BackupSpec{IncludeClusterResources: &off}},
		{name: "storage classes excluded by name", item: withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "x"),
			spec: velerov1.BackupSpec{ExcludedResources: []string{"storageclasses.storage.k8s.io"}}},
		{name: "storage classes excluded by the scoped filter", item: withSpec(obj("v1", "PersistentVolumeClaim", "shop", "data"), "storageClassName", "x"),
			spec: velerov1.BackupSpec{ExcludedClusterScopedResources: []string{"storageclasses"}}},
		{name: "ingress classes excluded by plural", item: withSpec(obj("networking.k8s.io/v1", "Ingress", "shop", "web"), "ingressClassName", "nginx"),
			spec: velerov1.BackupSpec{ExcludedResources: []string{"ingressclasses"}}},
		{name: "gateway class", item: withSpec(obj("gateway.networking.k8s.io/v1", "Gateway", "shop", "edge"), "gatewayClassName", "alb"),
			spec:        velerov1.BackupSpec{IncludedResources: []string{"gateways.gateway.networking.k8s.io"}},
			want:        []velero.ResourceIdentifier{{GroupResource: gatewayClasses, Name: "alb"}},
			mustInclude: true},
		{name: "CRD of a cluster-scoped custom resource, which Velero leaves out of a namespace backup", item: obj("gateway.networking.k8s.io/v1", "GatewayClass", "", "alb"),
			spec: velerov1.BackupSpec{IncludedNamespaces: []string{"shop"}},
			crds: []CRD{{Name: "gatewayclasses.gateway.networking.k8s.io", Group: "gateway.networking.k8s.io", Kind: "GatewayClass"}},
			want: []velero.ResourceIdentifier{{GroupResource: crds, Name: "gatewayclasses.gateway.networking.k8s.io"}}},
		{name: "a Gateway of another group", item: withSpec(obj("example.com/v1", "Gateway", "shop", "edge"), "gatewayClassName", "alb")},
		{name: "gateway class and CRD, the resource list leaving both out", item: withSpec(obj("gateway.networking.k8s.io/v1", "Gateway", "shop", "edge"), "gatewayClassName", "alb"),
			spec: velerov1.BackupSpec{IncludedResources: []string{"gateways.gateway.networking.k8s.io"}},
			crds: []CRD{{Name: "gateways.gateway.networking.k8s.io", Group: "gateway.networking.k8s.io", Kind: "Gateway"}},
			want: []velero.ResourceIdentifier{{GroupResource: gatewayClasses, Name: "alb"},
				{GroupResource: crds, Name: "gateways.gateway.networking.k8s.io"}},
			mustInclude: true},
		{name: "priority class of a deployment's pods", item: withPriorityClass(obj("apps/v1", "Deployment", "shop", "web"), "shop-critical", "spec", "template", "spec"),
			want: []velero.ResourceIdentifier{{GroupResource: priorityClasses, Name: "shop-critical"}}},
		{name: "priority class of a pod", item: withPriorityClass(obj("v1", "Pod", "shop", "web-1"), "shop-critical", "spec"),
			spec:        velerov1.BackupSpec{IncludedResources: []string{"pods"}},
			want:        []velero.ResourceIdentifier{{GroupResource: priorityClasses, Name: "shop-critical"}},
			mustInclude: true},
		{name: "priority class of a cron job's pods", item: withPriorityClass(obj("batch/v1", "CronJob", "shop", "report"), "batch-low", "spec", "jobTemplate", "spec", "template", "spec"),
			want: []velero.ResourceIdentifier{{GroupResource: priorityClasses, Name: "batch-low"}}},
		{name: "a system priority class every cluster has", item: withPriorityClass(obj("apps/v1", "DaemonSet", "shop", "agent"), "system-node-critical", "spec", "template", "spec")},
		{name: "a deployment without a priority class", item: obj("apps/v1", "Deployment", "shop", "web")},
		{name: "CRD left to Velero when resources are not filtered", item: obj("shop.example.com/v1", "Widget", "shop", "w"),
			spec: velerov1.BackupSpec{IncludedNamespaces: []string{"shop"}}},
		{name: "CRD left to Velero when CRDs are included", item: obj("shop.example.com/v1", "Widget", "shop", "w"),
			spec: velerov1.BackupSpec{IncludedResources: []string{"widgets.shop.example.com", "customresourcedefinitions"}}},
		{name: "CRD added when the resource list leaves it out", item: obj("shop.example.com/v1", "Widget", "shop", "w"),
			spec:        velerov1.BackupSpec{IncludedResources: []string{"widgets.shop.example.com"}},
			want:        []velero.ResourceIdentifier{{GroupResource: crds, Name: "widgets.shop.example.com"}},
			mustInclude: true},
		{name: "CRD not added when CRDs are excluded", item: obj("shop.example.com/v1", "Widget", "shop", "w"),
			spec: velerov1.BackupSpec{IncludedResources: []string{"widgets.shop.example.com"}, ExcludedResources: []string{"customresourcedefinitions.apiextensions.k8s.io"}}},
		{name: "a kind of another group is no custom resource", item: obj("other.example.com/v1", "Widget", "shop", "w"),
			spec: velerov1.BackupSpec{IncludedResources: []string{"widgets.other.example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewDependenciesAction(logrus.New(), fakeCRDs{list: append(tt.crds, widgets...)})
			_, err := a.AppliesTo()
			require.NoError(t, err)
			got, extra, err := a.Execute(tt.item, backupOf(tt.spec))
			require.NoError(t, err)
			assert.Equal(t, tt.want, extra)
			mustInclude := got.(*unstructured.Unstructured).GetAnnotations()[velerov1.MustIncludeAdditionalItemAnnotation]
			assert.Equal(t, tt.mustInclude, mustInclude == "true",
				"marked must-include exactly where Velero's filter would drop the dependency; Velero leaves the mark on the backed-up item")
		})
	}
}

func boolPtr(b bool) *bool { return &b }

func TestDependenciesAppliesTo(t *testing.T) {
	a := NewDependenciesAction(logrus.New(), fakeCRDs{list: []CRD{{Name: "widgets.shop.example.com", Group: "shop.example.com", Kind: "Widget"},
		{Name: "gateways.gateway.networking.k8s.io", Group: "gateway.networking.k8s.io", Kind: "Gateway"}}})
	sel, err := a.AppliesTo()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"ingresses.networking.k8s.io", "ingresses.extensions", "persistentvolumeclaims",
		"gateways.gateway.networking.k8s.io", "pods", "deployments.apps", "statefulsets.apps", "daemonsets.apps",
		"replicasets.apps", "replicationcontrollers", "jobs.batch", "cronjobs.batch",
		"widgets.shop.example.com"}, sel.IncludedResources)

	broken := NewDependenciesAction(logrus.New(), fakeCRDs{err: errors.New("forbidden")})
	sel, err = broken.AppliesTo()
	require.NoError(t, err, "a backup is not failed for want of CRD completion")
	assert.Len(t, sel.IncludedResources, 12)
}
