package demo

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// expectation is one object of the demo application and the parts of it that must survive the
// migration: unchanged, or changed only as the restore's configuration says (changes). Other fields
// legitimately differ: UIDs, timestamps, a Service's cluster IP.
type expectation struct {
	gvk       schema.GroupVersionKind
	namespace string
	name      string
	fields    [][]string
	// changes are the values the restore configuration sets, written out here rather than computed by
	// the transforms under test.
	changes []change
}

type change struct {
	path  []any // field names and list indexes
	value any
}

func (e expectation) String() string { return e.gvk.Kind + " " + e.name }

var expected = []expectation{
	{gvk: gvk("", "v1", "Namespace"), name: appNS, fields: [][]string{{"metadata", "labels", "app.kubernetes.io/part-of"}}},
	{gvk: gvk("", "v1", "ConfigMap"), namespace: appNS, name: "shop-config", fields: [][]string{{"data"}}},
	{gvk: gvk("", "v1", "Secret"), namespace: appNS, name: "shop-db", fields: [][]string{{"data"}, {"type"}}},
	{gvk: gvk("apps", "v1", "Deployment"), namespace: appNS, name: "web", fields: [][]string{{"spec", "replicas"}, {"spec", "template", "spec", "containers"}},
		changes: []change{{path: []any{"spec", "template", "spec", "containers", 0, "image"}, value: "registry.cn-beijing.aliyuncs.com/shop/nginx:1.27"}}},
	{gvk: gvk("apps", "v1", "StatefulSet"), namespace: appNS, name: "db", fields: [][]string{{"spec", "template", "spec", "containers"}, {"spec", "volumeClaimTemplates"}},
		changes: []change{
			{path: []any{"spec", "template", "spec", "containers", 0, "image"}, value: "registry.cn-beijing.aliyuncs.com/shop/postgres:16"},
			{path: []any{"spec", "volumeClaimTemplates", 0, "spec", "storageClassName"}, value: "alicloud-disk-essd"},
		}},
	{gvk: gvk("", "v1", "PersistentVolumeClaim"), namespace: appNS, name: "data-db-0", fields: [][]string{{"spec", "resources"}, {"spec", "storageClassName"}, {"spec", "accessModes"}},
		changes: []change{{path: []any{"spec", "storageClassName"}, value: "alicloud-disk-essd"}}},
	{gvk: gvk("", "v1", "Service"), namespace: appNS, name: "web", fields: [][]string{{"spec", "ports"}, {"spec", "selector"}}},
	{gvk: gvk("networking.k8s.io", "v1", "Ingress"), namespace: appNS, name: "web", fields: [][]string{{"spec"}}},
	{gvk: gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"), name: "promotions.shop.example.com", fields: [][]string{{"spec", "versions"}}},
	{gvk: gvk("shop.example.com", "v1", "Promotion"), namespace: appNS, name: "double-eleven", fields: [][]string{{"spec"}}},
	// Cluster-scoped dependencies a namespace backup carries only thanks to csdr's backup action.
	{gvk: gvk("storage.k8s.io", "v1", "StorageClass"), name: "alicloud-disk-topology-alltype", fields: [][]string{{"provisioner"}, {"volumeBindingMode"}}},
	{gvk: gvk("networking.k8s.io", "v1", "IngressClass"), name: "nginx", fields: [][]string{{"spec"}}},
}

func gvk(group, version, kind string) schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: group, Version: version, Kind: kind}
}

type result struct {
	backup                   *velerov1.Backup
	restore                  *velerov1.Restore
	checked                  []string
	listeners                int
	sourceDisk, restoredDisk ecs.DiskState
	dataA, dataB             volumeData
}

// check compares every expected object in cluster B with its original in cluster A.
func (d *demo) check(ctx context.Context) error {
	var problems []string
	for _, e := range expected {
		a, err := get(ctx, d.a.Client, e)
		if err != nil {
			return fmt.Errorf("read %s in cluster A: %w", e, err)
		}
		b, err := get(ctx, d.b.Client, e)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: not restored: %v", e, err))
			continue
		}
		if err := e.apply(a); err != nil {
			return err
		}
		for _, path := range e.fields {
			va, _, _ := unstructured.NestedFieldNoCopy(a.Object, path...)
			vb, _, _ := unstructured.NestedFieldNoCopy(b.Object, path...)
			if va == nil || !reflect.DeepEqual(va, vb) {
				problems = append(problems, fmt.Sprintf("%s: .%s is %v in cluster B, %v in cluster A", e, strings.Join(path, "."), vb, va))
			}
		}
		d.result.checked = append(d.result.checked, e.String())
		fmt.Fprintf(d.out, "    ok  %-28s %s\n", e.gvk.Kind, e.name)
	}
	if len(problems) > 0 {
		return fmt.Errorf("the restored application differs:\n  %s", strings.Join(problems, "\n  "))
	}
	return d.checkDisk(ctx)
}

func get(ctx context.Context, c client.Client, e expectation) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(e.gvk)
	return u, c.Get(ctx, types.NamespacedName{Namespace: e.namespace, Name: e.name}, u)
}

// apply sets the expectation's changes on cluster A's copy of the object.
func (e expectation) apply(u *unstructured.Unstructured) error {
	for _, c := range e.changes {
		var cur any = u.Object
		for i, step := range c.path {
			last := i == len(c.path)-1
			switch k := step.(type) {
			case string:
				m, ok := cur.(map[string]any)
				if !ok {
					return fmt.Errorf("%s: no field %v", e, c.path[:i+1])
				}
				if last {
					m[k] = c.value
				}
				cur = m[k]
			case int:
				l, ok := cur.([]any)
				if !ok || k >= len(l) {
					return fmt.Errorf("%s: no item %v", e, c.path[:i+1])
				}
				if last {
					l[k] = c.value
				}
				cur = l[k]
			}
		}
	}
	return nil
}
