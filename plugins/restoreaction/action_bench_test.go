package restoreaction

import (
	"fmt"
	"io"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/restoreconfig"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"
)

// benchItems are the kinds of e2e/bench's 10,004-item restore, as Velero hands them to Execute:
// a Deployment and a Pod whose docker.io/library images are mapped, a 10 GiB claim of an ESSD class
// (raised to its 20 GiB minimum), a NodePort Service and a headless one (left as they are).
func benchItems() map[string]struct {
	family string
	obj    map[string]any
} {
	containers := func(main, sidecar string) []any {
		return []any{
			map[string]any{"name": "app", "image": main, "ports": []any{map[string]any{"containerPort": int64(8080)}},
				"envFrom":   []any{map[string]any{"configMapRef": map[string]any{"name": "config-0001", "optional": true}}},
				"resources": map[string]any{"requests": map[string]any{"cpu": "100m", "memory": "128Mi"}}},
			map[string]any{"name": "sidecar", "image": sidecar, "command": []any{"sh", "-c", "sleep infinity"}},
		}
	}
	meta := func(name string) map[string]any {
		return map[string]any{"name": name, "namespace": "bench-b1", "labels": map[string]any{"app": name, "tier": "bench"},
			"annotations": map[string]any{"velero.io/restore-name": "restore-b1"}}
	}
	return map[string]struct {
		family string
		obj    map[string]any
	}{
		"deployment": {"csdr.io/restore-workloads", map[string]any{"apiVersion": "apps/v1", "kind": "Deployment",
			"metadata": meta("web-0001"), "spec": map[string]any{"replicas": int64(0),
				"selector": map[string]any{"matchLabels": map[string]any{"app": "web-0001"}},
				"template": map[string]any{"metadata": map[string]any{"labels": map[string]any{"app": "web-0001"}},
					"spec": map[string]any{"containers": containers("docker.io/library/nginx:1.27", "docker.io/library/busybox:1.36")}}}}},
		"pod": {"csdr.io/restore-workloads", map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta("job-0001"),
			"spec": map[string]any{"restartPolicy": "Never",
				"containers": containers("docker.io/library/python:3.12-slim", "docker.io/library/redis:7.2")}}},
		"pod unchanged": {"csdr.io/restore-workloads", map[string]any{"apiVersion": "v1", "kind": "Pod", "metadata": meta("job-0002"),
			"spec": map[string]any{"restartPolicy": "Never",
				"containers": containers("quay.io/app/python:3.12-slim", "quay.io/app/redis:7.2")}}},
		"claim": {"csdr.io/restore-storage", map[string]any{"apiVersion": "v1", "kind": "PersistentVolumeClaim",
			"metadata": meta("data-0001"), "spec": map[string]any{"accessModes": []any{"ReadWriteOnce"},
				"storageClassName": "alicloud-disk-essd", "volumeMode": "Filesystem",
				"resources": map[string]any{"requests": map[string]any{"storage": "10Gi"}}}}},
		"service nodeport": {"csdr.io/restore-networking", map[string]any{"apiVersion": "v1", "kind": "Service",
			"metadata": meta("svc-nodeport-0001"), "spec": map[string]any{"type": "NodePort",
				"selector": map[string]any{"app": "web-0041"},
				"ports":    []any{map[string]any{"name": "http", "port": int64(80), "targetPort": int64(8080), "nodePort": int64(30001)}}}}},
		"service headless": {"csdr.io/restore-networking", map[string]any{"apiVersion": "v1", "kind": "Service",
			"metadata": meta("svc-headless-0001"), "spec": map[string]any{"type": "ClusterIP", "clusterIP": "None",
				"selector": map[string]any{"app": "web-0061"},
				"ports":    []any{map[string]any{"name": "http", "port": int64(80), "targetPort": int64(8080)}}}}},
	}
}

// benchReader is the restore benchmark's target cluster (an ESSD class) and configuration
// (docker.io/library images mapped to an Alibaba Cloud registry).
func benchReader() *fakeReader {
	return &fakeReader{cluster: restoreconfig.Cluster{
		StorageClasses: map[string]transform.StorageClass{"alicloud-disk-essd": {Name: "alicloud-disk-essd",
			Provisioner: "diskplugin.csi.alibabacloud.com", VolumeBindingMode: "WaitForFirstConsumer",
			Parameters: map[string]string{"type": "cloud_essd"}}},
		ServedAPIVersions: map[string]bool{"networking.k8s.io/v1": true, "batch/v1": true},
	}, global: &restoreconfig.Source{Name: "velero/csdr-restore-config", Data: map[string]string{
		"imageRegistryMapping": "docker.io/library/: registry.cn-beijing.aliyuncs.com/my-registry/\n"}}}
}

// BenchmarkExecute measures one Execute per item kind of the restore benchmark, with its restore
// configuration (docker.io/library images mapped), the pipeline already built and the log at info, as
// velero server runs it. Each iteration gets a fresh copy of the item, made before the timer starts.
func BenchmarkExecute(b *testing.B) {
	reader := benchReader()
	log := logrus.New()
	log.SetOutput(io.Discard)
	sessions := NewSessions(reader, log)
	r := restoreNamed("restore-b1", "")
	for name, item := range benchItems() {
		b.Run(name, func(b *testing.B) {
			a, err := New(item.family, sessions, log)
			require.NoError(b, err)
			from := &unstructured.Unstructured{Object: item.obj}
			items := make([]*unstructured.Unstructured, b.N)
			for i := range items {
				items[i] = from.DeepCopy()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				out, err := a.Execute(&velero.RestoreItemActionExecuteInput{Item: items[i], ItemFromBackup: from, Restore: &r})
				if err != nil || out.UpdatedItem == nil {
					b.Fatal(fmt.Errorf("execute: %w", err))
				}
			}
		})
	}
}
