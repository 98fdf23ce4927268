package legacybackup

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

// AppNamespace is the namespace every namespaced object of App lives in.
const AppNamespace = "legacy-shop"

//go:embed testdata/app/*.yaml
var appFiles embed.FS

// App returns the objects of testdata/app, the shop application as a Kubernetes 1.16 ACK cluster held
// it, in file order. Each call returns fresh copies, so callers may change them.
func App() ([]*unstructured.Unstructured, error) {
	names, err := fs.Glob(appFiles, "testdata/app/*.yaml")
	if err != nil {
		return nil, fmt.Errorf("list testdata/app: %w", err)
	}
	sort.Strings(names)
	var objs []*unstructured.Unstructured
	for _, name := range names {
		data, err := appFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		docs, err := decodeYAML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		objs = append(objs, docs...)
	}
	return objs, nil
}

// decodeYAML turns a multi-document YAML file into objects with JSON number semantics (int64, as
// Velero hands objects to plugins); documents holding only comments are skipped.
func decodeYAML(data []byte) ([]*unstructured.Unstructured, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		js, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(js); err != nil {
			return nil, fmt.Errorf("document %d: %w", i, err)
		}
		objs = append(objs, obj)
	}
}
