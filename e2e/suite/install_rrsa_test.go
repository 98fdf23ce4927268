//go:build e2e

package suite

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/yaml"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

const rrsaReadme = "examples/rrsa/README.md"

// The keyless install of examples/rrsa: `velero install` as its README writes it annotates Velero's
// ServiceAccount as serviceaccount.yaml does and mounts no credentials, and the controller's
// kustomization is deploy/ without the credentials file, accepted by the API server.
func TestInstallRRSA(t *testing.T) {
	parallel(t)
	c := env.a
	installs := commandsOf(readmeCommands(t, rrsaReadme, "## 3. Install"), "velero", "install")
	require.Len(t, installs, 1)
	r := renderInstall(t, c, harness.VeleroNamespace, installs[0])

	var sa corev1.ServiceAccount
	for _, item := range r.items {
		if item.GetKind() == "ServiceAccount" {
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, &sa))
		}
	}
	require.Equal(t, r.deployment.Spec.Template.Spec.ServiceAccountName, sa.Name)
	var want *corev1.ServiceAccount
	for _, doc := range documents(t, filepath.Join(env.layout.Repo, "examples/rrsa/serviceaccount.yaml")) {
		if doc.GetNamespace() == sa.Namespace && doc.GetName() == sa.Name {
			want = &corev1.ServiceAccount{}
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(doc.Object, want))
		}
	}
	require.NotNil(t, want, "serviceaccount.yaml has velero install's ServiceAccount %s/%s", sa.Namespace, sa.Name)
	assert.Equal(t, want.Annotations, sa.Annotations)
	assert.Empty(t, r.secrets, "no credentials Secret")
	spec := r.deployment.Spec.Template.Spec
	assert.Nil(t, volume(spec, "cloud-credentials"))
	for _, e := range container(t, spec.Containers, "velero").Env {
		assert.False(t, strings.HasPrefix(e.Name, "ALIBABA_CLOUD_"), "a credentials variable would win over RRSA: %s", e.Name)
	}
	checkLocationConfigs(t, r.locations(t))

	t.Run("csdr-controller without the credentials file", func(t *testing.T) {
		base := kustomized(t, c, "deploy")
		keyless := kustomized(t, c, "examples/rrsa/controller")
		require.Equal(t, len(base), len(keyless))
		for key, obj := range keyless {
			if !strings.HasPrefix(key, "Deployment/") {
				assert.Equal(t, base[key], obj, key)
			}
		}
		d := keyless["Deployment/csdr-controller"]
		require.NotNil(t, d)
		var dep appsv1.Deployment
		require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(d, &dep))
		podSpec := dep.Spec.Template.Spec
		assert.Nil(t, volume(podSpec, "cloud-credentials"))
		ctl := container(t, podSpec.Containers, "csdr-controller")
		assert.Empty(t, mountPath(ctl, "cloud-credentials"))
		for _, e := range ctl.Env {
			assert.NotEqual(t, "ALIBABA_CLOUD_CREDENTIALS_FILE", e.Name)
		}
		assert.NotEmpty(t, ctl.Env, "the patch removes only the credentials variable")

		out, err := c.Kubectl(ctx(t), nil, "apply", "--server-side", "--dry-run=server", "-k",
			filepath.Join(env.layout.Repo, "examples/rrsa/controller"))
		require.NoError(t, err, out)
	})
}

// kustomized renders a kustomization of the repository with the harness's kubectl, by kind/name.
func kustomized(t *testing.T, c *harness.Cluster, dir string) map[string]map[string]any {
	t.Helper()
	out, err := c.Kubectl(ctx(t), nil, "kustomize", filepath.Join(env.layout.Repo, dir))
	require.NoError(t, err, out)
	objs := map[string]map[string]any{}
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(out)), 4096)
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return objs
		}
		require.NoError(t, err)
		if len(obj) > 0 {
			u := unstructured.Unstructured{Object: obj}
			objs[u.GetKind()+"/"+u.GetName()] = obj
		}
	}
}
