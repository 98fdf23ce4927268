//go:build e2e

package suite

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/yaml"
	sigsyaml "sigs.k8s.io/yaml"
)

// Every YAML file in examples/ must be accepted by a real API server with Velero's CRDs, so the
// examples cannot rot. The CRDs and Namespaces they define are created for real first, because the
// server validates a custom resource or a namespaced object against them. Helm values files
// (*.values.yaml) are not Kubernetes objects: TestHelmChartRendersOurValues applies what the chart
// renders from them instead.
func TestExamplesAreAcceptedByTheAPIServer(t *testing.T) {
	parallel(t)
	var files []string
	require.NoError(t, filepath.WalkDir(filepath.Join(env.layout.Repo, "examples"), func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && isObjectsFile(path) {
			files = append(files, path)
		}
		return err
	}))
	require.NotEmpty(t, files)

	for _, f := range files {
		for _, doc := range documents(t, f) {
			if kind := doc.GetKind(); kind == "CustomResourceDefinition" || kind == "Namespace" {
				data, err := sigsyaml.Marshal(doc.Object)
				require.NoError(t, err)
				_, err = env.a.Kubectl(ctx(t), bytes.NewReader(data), "apply", "-f", "-")
				require.NoError(t, err)
				if kind == "CustomResourceDefinition" {
					_, err = env.a.Kubectl(ctx(t), nil, "wait", "--for=condition=Established", "--timeout=60s", "crd/"+doc.GetName())
					require.NoError(t, err)
				}
			}
		}
	}
	for _, f := range files {
		rel, _ := filepath.Rel(env.layout.Repo, f)
		t.Run(rel, func(t *testing.T) {
			out, err := env.a.Kubectl(ctx(t), nil, "apply", "--dry-run=server", "-f", f)
			require.NoError(t, err)
			t.Log(strings.TrimSpace(out))
		})
	}
}

func documents(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	dec := yaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var docs []*unstructured.Unstructured
	for {
		var obj map[string]any
		err := dec.Decode(&obj)
		if errors.Is(err, io.EOF) {
			return docs
		}
		require.NoError(t, err, path)
		if len(obj) > 0 {
			docs = append(docs, &unstructured.Unstructured{Object: obj})
		}
	}
}

// isObjectsFile tells the Kubernetes objects under examples/ from the Helm values files beside them.
func isObjectsFile(path string) bool {
	if strings.HasSuffix(path, ".values.yaml") || strings.HasSuffix(path, ".values.yml") {
		return false
	}
	return strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")
}
