package kubernetes

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/kubernetes/pkg/apis/extensions"
	extensionsv1beta1 "k8s.io/kubernetes/pkg/apis/extensions/v1beta1"
	"k8s.io/kubernetes/pkg/apis/networking"
	networkingv1 "k8s.io/kubernetes/pkg/apis/networking/v1"
	networkingv1beta1 "k8s.io/kubernetes/pkg/apis/networking/v1beta1"
)

// ingressGoldenDir holds the plugin's Ingress conversion cases (pkg/transform/testdata/ingress). This
// module does not import the plugin: it checks the plugin's expected output against the conversion
// Kubernetes itself runs, so the golden files cannot drift from what an API server would store.
const ingressGoldenDir = "../../../pkg/transform/testdata/ingress"

var oldIngressVersions = map[string]bool{"extensions/v1beta1": true, "networking.k8s.io/v1beta1": true}

// TestIngressGoldenFilesMatchKubernetesConversion decodes every old-version Ingress of the golden inputs
// the way the API server does (source version defaults applied, converted to the internal type), encodes
// it as networking.k8s.io/v1, and requires the plugin's golden output to be that same JSON object.
func TestIngressGoldenFilesMatchKubernetesConversion(t *testing.T) {
	codecs := ingressCodecs(t)
	decode := codecs.UniversalDecoder() // to the internal version, with defaulting
	encode := codecs.LegacyCodec(networkingv1.SchemeGroupVersion)

	inputs, err := filepath.Glob(filepath.Join(ingressGoldenDir, "*.in.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatalf("no golden inputs under %s", ingressGoldenDir)
	}
	compared := 0
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			ins := readJSONDocs(t, in)
			outs := readJSONDocs(t, strings.TrimSuffix(in, ".in.yaml")+".out.yaml")
			if len(ins) != len(outs) {
				t.Fatalf("%d input documents, %d output documents", len(ins), len(outs))
			}
			for i := range ins {
				inMeta, outMeta := typeOf(t, ins[i]), typeOf(t, outs[i])
				if inMeta.Kind != "Ingress" || !oldIngressVersions[inMeta.APIVersion] ||
					outMeta.APIVersion != "networking.k8s.io/v1" {
					continue // left alone by the plugin; the plugin's own golden test covers that
				}
				internal, err := runtime.Decode(decode, ins[i])
				if err != nil {
					t.Fatalf("document %d: decode %s: %v", i, inMeta.APIVersion, err)
				}
				converted, err := runtime.Encode(encode, internal)
				if err != nil {
					t.Fatalf("document %d: convert to networking.k8s.io/v1: %v", i, err)
				}
				want, got := jsonObject(t, converted), jsonObject(t, outs[i])
				dropSerializationZeroes(want, got)
				if !reflect.DeepEqual(want, got) {
					t.Errorf("document %d: golden output differs from Kubernetes' conversion\nkubernetes: %s\ngolden:     %s",
						i, mustJSON(t, want), mustJSON(t, got))
				}
				compared++
			}
		})
	}
	// Guards against a test that passes by comparing nothing (a moved directory, a renamed version).
	if compared < 6 {
		t.Errorf("compared %d converted Ingresses, want at least 6", compared)
	}
}

// ingressCodecs registers what the API server registers for Ingress: both beta versions with their
// defaults and conversions, the internal type, and networking.k8s.io/v1.
func ingressCodecs(t *testing.T) serializer.CodecFactory {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		networking.AddToScheme,
		networkingv1.AddToScheme,
		networkingv1beta1.AddToScheme,
		extensions.AddToScheme,
		extensionsv1beta1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return serializer.NewCodecFactory(scheme)
}

// dropSerializationZeroes removes what encoding a typed object always writes and the golden files,
// written from unstructured content, do not carry: a null metadata.creationTimestamp and an empty
// status.loadBalancer when the input had no status. Both decode to the same typed object as their
// absence, so an API server cannot tell the two apart.
func dropSerializationZeroes(want, got map[string]any) {
	if meta, ok := want["metadata"].(map[string]any); ok {
		if ts, found := meta["creationTimestamp"]; found && ts == nil {
			if gotMeta, _ := got["metadata"].(map[string]any); gotMeta == nil || gotMeta["creationTimestamp"] == nil {
				delete(meta, "creationTimestamp")
			}
		}
	}
	if _, found := got["status"]; !found &&
		reflect.DeepEqual(want["status"], map[string]any{"loadBalancer": map[string]any{}}) {
		delete(want, "status")
	}
}

type typeMeta struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
}

func typeOf(t *testing.T, doc []byte) typeMeta {
	t.Helper()
	var m typeMeta
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// readJSONDocs reads the YAML documents of a file as JSON, skipping documents that hold only comments,
// as the plugin's golden runner does.
func readJSONDocs(t *testing.T, path string) [][]byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
	var docs [][]byte
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		js, err := utilyaml.ToJSON(doc)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if trimmed := bytes.TrimSpace(js); len(trimmed) == 0 || string(trimmed) == "null" {
			continue
		}
		docs = append(docs, js)
	}
}

func jsonObject(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
