//go:build e2e

package suite

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// A running Velero with the existing Alibaba plugin switched to ours with `velero plugin remove/add`, the
// commands of the README's "Switching from the existing Alibaba plugin", run as written: the Deployment
// ends with exactly our init container, mounted where the copier writes. The existing plugin came either
// from `velero install --plugins <its image>` (its README) or from its install/01-velero.yaml, whose init
// container is named velero-plugin-alibabacloud.
func TestInstallSwitchWithPluginCommands(t *testing.T) {
	parallel(t)
	c := env.a
	installs := commandsOf(readmeCommands(t, installReadme, "## 2. Install"), "velero", "install")
	require.Len(t, installs, 1)
	oldInstall := slices.Clone(installs[0])
	oldInstall[slices.Index(oldInstall, ourImage)] = oldImage
	steps := readmeCommands(t, "README.md", "### Switching from the existing Alibaba plugin")
	require.Len(t, commandsOf(steps, "velero", "plugin", "remove"), 1)
	require.Len(t, commandsOf(steps, "velero", "plugin", "add"), 1)

	for _, tc := range []struct {
		name, ns, oldInitContainer string
		verbatim                   bool // the README's `velero plugin remove` names this case's init container
	}{
		{"installed by velero install --plugins", "install-switch", "acs-velero-plugin-alibabacloud", true},
		{"installed from its install YAML", "install-switch-yaml", "velero-plugin-alibabacloud", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := renderInstall(t, c, tc.ns, oldInstall)
			init := r.deployment.Spec.Template.Spec.InitContainers
			require.Len(t, init, 1)
			require.Equal(t, oldImage, init[0].Image)
			if init[0].Name != tc.oldInitContainer { // the install YAML names it itself
				renameInitContainer(t, &r, tc.oldInitContainer)
			}
			r.apply(t, c)

			for _, words := range steps {
				remove := tc.oldInitContainer
				if tc.verbatim {
					remove = ""
				}
				out := runStep(t, c, tc.ns, words, remove)
				if slices.Contains(words, "jsonpath={.spec.template.spec.initContainers[*].name}") {
					assert.Equal(t, tc.oldInitContainer, strings.TrimSpace(out), "the README's first command names the init container to remove")
				}
			}

			d := deployment(t, c, tc.ns)
			spec := d.Spec.Template.Spec
			require.Len(t, spec.InitContainers, 1, "exactly one plugin image")
			assert.Equal(t, ourImage, spec.InitContainers[0].Image)
			assert.Equal(t, []corev1.VolumeMount{{Name: "plugins", MountPath: copierTarget(t)}}, spec.InitContainers[0].VolumeMounts)
			assert.Equal(t, "/plugins", mountPath(container(t, spec.Containers, "velero"), "plugins"))
		})
	}
}

// runStep runs one command of the README's switching steps in namespace ns instead of velero: `velero
// plugin remove` with oldInitContainer unless that is empty, and `velero plugin add` first as written
// (which, without a terminal to confirm on, must change nothing) and then with --confirm.
func runStep(t *testing.T, c *harness.Cluster, ns string, words []string, oldInitContainer string) string {
	t.Helper()
	words = slices.Clone(words)
	switch {
	case words[0] == "kubectl":
		if i := slices.Index(words, "-n"); i >= 0 && words[i+1] == harness.VeleroNamespace {
			words[i+1] = ns
		}
		out, err := c.Kubectl(ctx(t), nil, words[1:]...)
		require.NoError(t, err, out)
		return out
	case oldInitContainer != "" && len(commandsOf([][]string{words}, "velero", "plugin", "remove")) == 1:
		words[len(words)-1] = oldInitContainer
	case len(commandsOf([][]string{words}, "velero", "plugin", "add")) == 1:
		before := deployment(t, c, ns)
		out, err := c.Velero(ctx(t), append(words[1:], "--namespace", ns)...)
		require.NoError(t, err, out)
		assert.Contains(t, out, "Are you sure you want to continue")
		assert.Equal(t, before.Spec.Template.Spec.InitContainers, deployment(t, c, ns).Spec.Template.Spec.InitContainers,
			"unconfirmed, velero plugin add changes nothing")
		words = append(words, "--confirm")
	}
	require.Equal(t, "velero", words[0], "a step the test does not know: %v", words)
	out, err := c.Velero(ctx(t), append(words[1:], "--namespace", ns)...)
	require.NoError(t, err, out)
	return out
}

func renameInitContainer(t *testing.T, r *rendered, name string) {
	t.Helper()
	for _, item := range r.items {
		if item.GetKind() != "Deployment" {
			continue
		}
		init, _, err := unstructured.NestedFieldNoCopy(item.Object, "spec", "template", "spec", "initContainers")
		require.NoError(t, err)
		init.([]any)[0].(map[string]any)["name"] = name
	}
}

func deployment(t *testing.T, c *harness.Cluster, ns string) appsv1.Deployment {
	t.Helper()
	out, err := c.Kubectl(ctx(t), nil, "-n", ns, "get", "deployment", "velero", "-o", "json")
	require.NoError(t, err, out)
	var d appsv1.Deployment
	require.NoError(t, json.Unmarshal([]byte(out), &d))
	return d
}
