package transform

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// BenchmarkImageRules runs one Deployment with three containers through imageNameMapping then
// imageRegistryMapping, as a restore does for every pod-carrying item. Each iteration puts the original
// images back first, so every iteration rewrites all three.
func BenchmarkImageRules(b *testing.B) {
	names, err := NewImageNameMapping(veleroForms)
	if err != nil {
		b.Fatal(err)
	}
	registries, err := NewImageRegistryMapping(map[string]string{
		"docker.io/library/": aliyunRegistry,
		"quay.io/":           "registry.cn-hangzhou.aliyuncs.com/quay/",
		"gcr.io/project/":    "registry.cn-hangzhou.aliyuncs.com/gcr/",
	})
	if err != nil {
		b.Fatal(err)
	}
	pipeline := Pipeline{names, registries}
	images := []string{"app1:v1", "quay.io/prometheus/node-exporter:v1.7.0", "redis@" + testDigest}
	containers := make([]any, len(images))
	for i, image := range images {
		containers[i] = map[string]any{"name": "c" + string(rune('0'+i)), "image": image}
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "bench", "namespace": "default"},
		"spec":     map[string]any{"template": map[string]any{"spec": map[string]any{"containers": containers}}},
	}}
	item := Item{Object: obj}
	b.ReportAllocs()
	for b.Loop() {
		for i, c := range containers {
			c.(map[string]any)["image"] = images[i]
		}
		out, err := pipeline.Apply(item)
		if err != nil || len(out.Notes) != 4 {
			b.Fatalf("notes %v, err %v", out.Notes, err)
		}
	}
}
