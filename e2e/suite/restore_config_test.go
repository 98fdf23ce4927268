//go:build e2e

package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// An invalid restore configuration fails the restore before any item is restored, with an error that
// names the ConfigMap and the rule, as `velero restore describe` shows it.
func TestInvalidRestoreConfigurationsFailAtTheStart(t *testing.T) {
	parallel(t)
	deployWorkload(t, env.a, "badconfig")
	backup(t, env.a, "badconfig", "--include-namespaces", "badconfig")

	tests := []struct {
		name string
		data map[string]string
		want string
	}{
		{"bad-prefix-map", map[string]string{"imageRegistryMapping": "docker.io/library/: registry.cn-beijing.aliyuncs.com/my registry/\n"},
			"invalid restore configuration velero/bad-prefix-map: rule imageRegistryMapping: "},
		{"unknown-class", map[string]string{"storageClassMapping": "alicloud-disk-ssd: alicloud-disk-nowhere\n"},
			"invalid restore configuration velero/unknown-class: rule storageClassMapping: storageclass alicloud-disk-nowhere not exists"},
		{"conflicting-rules", map[string]string{"imageNameMapping": "first: app1,app2\nsecond: app1,app3\n"},
			"invalid restore configuration velero/conflicting-rules: rule imageNameMapping: conflicting rules"},
		{"unknown-rule", map[string]string{"imageMapping": "a: b\n"},
			`invalid restore configuration velero/unknown-rule: unknown rule "imageMapping"; valid rules are: accessModeMapping, cronJobConversion, diskMinimumSize, `},
	}
	for _, tt := range tests {
		cm := &corev1.ConfigMap{}
		cm.Name, cm.Namespace, cm.Data = tt.name, harness.VeleroNamespace, tt.data
		require.NoError(t, env.a.Client.Create(ctx(t), cm))
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := fmt.Sprintf("badconfig-%d", i)
			target := "badconfig-" + tt.name
			_, err := env.a.Velero(ctx(t), "restore", "create", name, "--from-backup", "badconfig", "--wait",
				"--namespace-mappings", "badconfig:"+target, "--labels", "csdr.io/config="+tt.name)
			require.NoError(t, err)
			r, err := env.a.Restore(ctx(t), name)
			require.NoError(t, err)
			assert.Equal(t, velerov1.RestorePhasePartiallyFailed, r.Status.Phase,
				"Velero marks a restore whose actions refuse to start PartiallyFailed; nothing is restored")
			assert.Equal(t, 1, r.Status.Errors)
			if r.Status.Progress != nil {
				assert.Zero(t, r.Status.Progress.ItemsRestored)
			}
			ns := &corev1.Namespace{}
			err = env.a.Client.Get(ctx(t), types.NamespacedName{Name: target}, ns)
			assert.True(t, apierrors.IsNotFound(err), "namespace %s must not exist: nothing is restored half-way", target)

			out, err := env.a.Velero(ctx(t), "restore", "describe", name)
			require.NoError(t, err)
			assert.Contains(t, flatten(out), tt.want)
		})
	}
}

// flatten joins the lines `velero describe` wraps long messages over.
func flatten(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// The global configuration applies to every restore; a restore's own ConfigMap replaces its rules. Not
// parallel: a global configuration would reach every other restore in the cluster.
func TestGlobalAndPerRestoreConfiguration(t *testing.T) {
	deployWorkload(t, env.a, "globalcfg")
	backup(t, env.a, "globalcfg", "--include-namespaces", "globalcfg")

	global := &corev1.ConfigMap{}
	global.Name, global.Namespace = "csdr-restore", harness.VeleroNamespace
	global.Labels = map[string]string{"velero.io/plugin-config": "", "csdr.io/restore-config": "RestoreItemAction"}
	global.Data = map[string]string{"imageRegistryMapping": "docker.io/library/: registry.cn-hangzhou.aliyuncs.com/global/\n"}
	require.NoError(t, env.a.Client.Create(ctx(t), global))
	t.Cleanup(func() { _ = env.a.Client.Delete(context.Background(), global) })
	own := &corev1.ConfigMap{}
	own.Name, own.Namespace = "globalcfg-own", harness.VeleroNamespace
	own.Data = map[string]string{"imageRegistryMapping": "docker.io/library/: registry.cn-hangzhou.aliyuncs.com/own/\n"}
	require.NoError(t, env.a.Client.Create(ctx(t), own))

	tests := []struct {
		restore, target string
		args            []string
		image           string
	}{
		{"globalcfg-global", "globalcfg-1", nil, "registry.cn-hangzhou.aliyuncs.com/global/busybox:1.36"},
		{"globalcfg-own", "globalcfg-2", []string{"--labels", "csdr.io/config=globalcfg-own"}, "registry.cn-hangzhou.aliyuncs.com/own/busybox:1.36"},
	}
	for _, tt := range tests {
		restore(t, env.a, tt.restore, "globalcfg", append([]string{"--namespace-mappings", "globalcfg:" + tt.target}, tt.args...)...)
		t.Cleanup(func() {
			_, _ = env.a.Kubectl(context.Background(), nil, "delete", "namespace", tt.target, "--wait=false")
		})
		dep := &appsv1.Deployment{}
		require.NoError(t, env.a.Client.Get(ctx(t), types.NamespacedName{Namespace: tt.target, Name: "app"}, dep))
		assert.Equal(t, tt.image, dep.Spec.Template.Spec.Containers[0].Image, tt.restore)
	}
}
