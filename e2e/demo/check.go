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
// migration unchanged. Other fields legitimately differ: UIDs, timestamps, a Service's cluster IP.
type expectation struct {
	gvk       schema.GroupVersionKind
	namespace string
	name      string
	fields    [][]string
}

func (e expectation) String() string { return e.gvk.Kind + " " + e.name }

var expected = []expectation{
	{gvk: gvk("", "v1", "Namespace"), name: appNS, fields: [][]string{{"metadata", "labels", "app.kubernetes.io/part-of"}}},
	{gvk: gvk("", "v1", "ConfigMap"), namespace: appNS, name: "shop-config", fields: [][]string{{"data"}}},
	{gvk: gvk("", "v1", "Secret"), namespace: appNS, name: "shop-db", fields: [][]string{{"data"}, {"type"}}},
	{gvk: gvk("apps", "v1", "Deployment"), namespace: appNS, name: "web", fields: [][]string{{"spec", "replicas"}, {"spec", "template", "spec", "containers"}}},
	{gvk: gvk("apps", "v1", "StatefulSet"), namespace: appNS, name: "db", fields: [][]string{{"spec", "template", "spec", "containers"}, {"spec", "volumeClaimTemplates"}}},
	{gvk: gvk("", "v1", "PersistentVolumeClaim"), namespace: appNS, name: "data-db-0", fields: [][]string{{"spec", "resources"}, {"spec", "storageClassName"}, {"spec", "accessModes"}}},
	{gvk: gvk("", "v1", "Service"), namespace: appNS, name: "web", fields: [][]string{{"spec", "ports"}, {"spec", "selector"}}},
	{gvk: gvk("networking.k8s.io", "v1", "Ingress"), namespace: appNS, name: "web", fields: [][]string{{"spec"}}},
	{gvk: gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition"), name: "promotions.shop.example.com", fields: [][]string{{"spec", "versions"}}},
	{gvk: gvk("shop.example.com", "v1", "Promotion"), namespace: appNS, name: "double-eleven", fields: [][]string{{"spec"}}},
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
