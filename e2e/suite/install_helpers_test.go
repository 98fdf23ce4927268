//go:build e2e

package suite

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	sigsyaml "sigs.k8s.io/yaml"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// Stand-ins for the placeholders of the documented commands: the tests run the commands the READMEs
// show, so that a README that drifts from what Velero and the plugin accept fails here.
const (
	ourImage = "registry.example.com/csdr/velero-plugin-for-alibabacloud:v0.0.0-e2e"
	// oldImage is the existing Alibaba plugin's image as its README (AliyunContainerService/velero-plugin)
	// names it for `velero install --plugins`.
	oldImage      = "registry-cn-hangzhou.ack.aliyuncs.com/acs/velero-plugin-alibabacloud:v2.0.0-f857869"
	installBucket = "cnfs-oss-install"
)

// readmeCommands returns the commands of the first ```sh block after the heading in the repository's
// file, with continuation lines joined, comments dropped, single-quoted words unquoted, and the
// placeholders replaced by the test's values. A placeholder the test does not know fails the test.
func readmeCommands(t *testing.T, file, heading string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(env.layout.Repo, file))
	require.NoError(t, err)
	replacer := strings.NewReplacer(
		"<registry>/velero-plugin-for-alibabacloud:<tag>", ourImage,
		"cnfs-oss-<name>", installBucket,
		"<namespace>", "install-app",
		"./credentials-velero", filepath.Join(env.layout.Repo, "examples/velero-install/credentials-velero.example"),
	)
	var cmds [][]string
	found, inBlock, line := false, false, ""
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		text := sc.Text()
		switch {
		case !found:
			found = strings.TrimSpace(text) == heading
		case !inBlock && text == "```sh":
			inBlock = true
		case inBlock && text == "```":
			require.NotEmpty(t, cmds, "%s: no commands under %q", file, heading)
			return cmds
		case inBlock:
			if i := strings.Index(text, " #"); i >= 0 && !strings.Contains(text[:i], "'") {
				text = text[:i]
			}
			line += strings.TrimSuffix(strings.TrimSpace(text), "\\")
			if strings.HasSuffix(strings.TrimSpace(text), "\\") {
				continue
			}
			if strings.TrimSpace(line) != "" {
				words := strings.Fields(replacer.Replace(line))
				for i, w := range words {
					words[i] = strings.Trim(w, "'")
					require.NotContains(t, words[i], "<", "%s: a placeholder the test does not know in %q", file, line)
				}
				cmds = append(cmds, words)
			}
			line = ""
		}
	}
	require.Failf(t, "no sh block", "%s: no ```sh block under %q", file, heading)
	return nil
}

// commandsOf keeps the commands that start with the given words, e.g. "velero", "install".
func commandsOf(cmds [][]string, prefix ...string) [][]string {
	var out [][]string
	for _, c := range cmds {
		if len(c) >= len(prefix) && strings.Join(c[:len(prefix)], " ") == strings.Join(prefix, " ") {
			out = append(out, c)
		}
	}
	return out
}

// rendered is what `velero install --dry-run -o yaml` prints, by kind.
type rendered struct {
	items      []unstructured.Unstructured
	deployment appsv1.Deployment
	secrets    map[string]corev1.Secret
}

// renderInstall runs a documented `velero install` (its words after "velero") with --dry-run -o yaml into
// namespace ns and decodes the List it prints.
func renderInstall(t *testing.T, c *harness.Cluster, ns string, words []string) rendered {
	t.Helper()
	require.Equal(t, []string{"velero", "install"}, words[:2])
	out, err := c.Velero(ctx(t), append(words[1:], "--dry-run", "-o", "yaml", "--namespace", ns)...)
	require.NoError(t, err, out)
	data, err := sigsyaml.YAMLToJSON([]byte(out))
	require.NoError(t, err)
	var list unstructured.UnstructuredList
	require.NoError(t, list.UnmarshalJSON(data), out)
	r := rendered{items: list.Items, secrets: map[string]corev1.Secret{}}
	deployments := 0
	for _, item := range list.Items {
		switch item.GetKind() {
		case "Deployment":
			deployments++
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, &r.deployment))
		case "Secret":
			var s corev1.Secret
			require.NoError(t, runtime.DefaultUnstructuredConverter.FromUnstructured(item.Object, &s))
			r.secrets[s.Name] = s
		}
	}
	require.Equal(t, 1, deployments, "velero install renders one Deployment")
	return r
}

// apply applies the rendered objects server-side, all but Velero's CRDs (the suite installed them),
// and removes the namespace and the ClusterRoleBinding when the test ends.
func (r rendered) apply(t *testing.T, c *harness.Cluster) {
	t.Helper()
	var docs []string
	for _, item := range r.items {
		if item.GetKind() == "CustomResourceDefinition" {
			continue
		}
		data, err := sigsyaml.Marshal(item.Object)
		require.NoError(t, err)
		docs = append(docs, string(data))
		if item.GetKind() == "ClusterRoleBinding" || item.GetKind() == "Namespace" {
			kind, name := strings.ToLower(item.GetKind()), item.GetName()
			t.Cleanup(func() { _, _ = c.Kubectl(ctx(t), nil, "delete", kind, name, "--wait=false") })
		}
	}
	out, err := c.Kubectl(ctx(t), strings.NewReader(strings.Join(docs, "---\n")), "apply", "--server-side", "-f", "-")
	require.NoError(t, err, out)
}

func container(t *testing.T, containers []corev1.Container, name string) corev1.Container {
	t.Helper()
	for _, c := range containers {
		if c.Name == name {
			return c
		}
	}
	require.Failf(t, "no container", "no container %q in %v", name, containers)
	return corev1.Container{}
}

func volume(spec corev1.PodSpec, name string) *corev1.Volume {
	for i := range spec.Volumes {
		if spec.Volumes[i].Name == name {
			return &spec.Volumes[i]
		}
	}
	return nil
}

func mountPath(c corev1.Container, volumeName string) string {
	for _, m := range c.VolumeMounts {
		if m.Name == volumeName {
			return m.MountPath
		}
	}
	return ""
}
