//go:build e2e

package suite

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// helmValues is the Helm install route's values file, for the vmware-tanzu/velero chart.
const helmValues = "examples/helm/velero.values.yaml"

// The Helm install route: the pinned vmware-tanzu/velero chart, rendered by helm with our values file
// (which checks them against the chart's values.schema.json), gives a Velero that loads our plugin with
// locations, credentials and a restore configuration our plugins accept, and the API server accepts
// every object it renders. The objects go to a namespace of their own, so the running Velero's are
// untouched; the harness installed Velero's CRDs, so the chart's are not rendered.
func TestHelmChartRendersOurValues(t *testing.T) {
	parallel(t)
	const ns = "helm-velero"
	chart, err := env.layout.VeleroChart(ctx(t))
	require.NoError(t, err)
	values := filepath.Join(env.layout.Repo, helmValues)
	manifest, err := helmTemplate(t, chart, ns, values)
	require.NoError(t, err)
	docs, err := decodeDocuments(manifest)
	require.NoError(t, err)
	require.NoError(t, checkHelmRender(docs, readValues(t, values), copierTarget(t)))

	_, err = env.a.Kubectl(ctx(t), nil, "create", "namespace", ns)
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = env.a.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false") })
	out, err := env.a.Kubectl(ctx(t), bytes.NewReader(manifest), "apply", "--server-side", "--dry-run=server", "-f", "-")
	require.NoError(t, err)
	t.Log(strings.TrimSpace(out))
}

// The checks above can fail: a values file with one mistake of each kind a user makes renders (the
// chart's schema leaves these keys open) and is refused, naming the mistake.
func TestHelmChecksRefuseBrokenValues(t *testing.T) {
	parallel(t)
	chart, err := env.layout.VeleroChart(ctx(t))
	require.NoError(t, err)
	tests := []struct {
		name    string
		edit    func(v map[string]any)
		wantErr string
	}{
		{name: "backup location config key misspelt", wantErr: `"regoin"`, edit: func(v map[string]any) {
			location(v, "backupStorageLocation")["config"] = map[string]any{"regoin": "cn-hangzhou"}
		}},
		{name: "snapshot location network unknown", wantErr: "vpc", edit: func(v map[string]any) {
			location(v, "volumeSnapshotLocation")["config"] = map[string]any{"region": "cn-hangzhou", "network": "vpc"}
		}},
		{name: "half an AccessKey pair", wantErr: "ALIBABA_CLOUD_ACCESS_KEY_SECRET", edit: func(v map[string]any) {
			v["credentials"].(map[string]any)["secretContents"] = map[string]any{"cloud": "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI0000\n"}
		}},
		{name: "restore rule not a boolean", wantErr: "nodePins", edit: func(v map[string]any) {
			cm := v["configMaps"].(map[string]any)["restore-config"].(map[string]any)
			cm["data"].(map[string]any)["nodePins"] = "sometimes"
		}},
		{name: "plugin copied elsewhere", wantErr: "does not mount volume plugins at", edit: func(v map[string]any) {
			init := v["initContainers"].([]any)[0].(map[string]any)
			init["volumeMounts"] = []any{map[string]any{"name": "plugins", "mountPath": "/plugins"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := readValues(t, filepath.Join(env.layout.Repo, helmValues))
			tt.edit(values)
			manifest, err := helmTemplate(t, chart, "velero", writeValues(t, values))
			require.NoError(t, err)
			docs, err := decodeDocuments(manifest)
			require.NoError(t, err)
			require.ErrorContains(t, checkHelmRender(docs, values, copierTarget(t)), tt.wantErr)
		})
	}
}

// helmTemplate runs `helm template velero CHART -n NS -f VALUES` as a user would to preview an install,
// for the cluster's Kubernetes version, with Helm's own files kept inside the test.
func helmTemplate(t *testing.T, chart, ns, values string) ([]byte, error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.CommandContext(ctx(t), env.session.Bins.Helm, "template", "velero", chart, "-n", ns, "-f", values,
		"--kube-version", env.session.Bins.KubernetesVersion)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"), "HELM_DATA_HOME="+filepath.Join(home, "data"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("helm template %s -f %s: %w: %s", chart, values, err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

func readValues(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var v map[string]any
	require.NoError(t, sigsyaml.Unmarshal(data, &v))
	return v
}

// location is the first entry of configuration.<kind> in Helm values.
func location(values map[string]any, kind string) map[string]any {
	return values["configuration"].(map[string]any)[kind].([]any)[0].(map[string]any)
}

func decodeDocuments(data []byte) ([]*unstructured.Unstructured, error) {
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var docs []*unstructured.Unstructured
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(obj) > 0 {
			docs = append(docs, &unstructured.Unstructured{Object: obj})
		}
	}
}
