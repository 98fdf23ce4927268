package transform

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden <case>.out.yaml files from the rules' output")

// goldenCases runs every testdata/<dir>/<case>.in.yaml through the rules named for that case and compares
// the result with <case>.out.yaml, and what the rules said (the restore log's lines) with
// <case>.notes.txt. An input file may hold several objects (YAML documents); each is transformed on its
// own, in order, by the same pipeline, as a restore hands them over. A skipped object is written as
// `skipped: <reason>`. An object a rule changed must have a note that says so. Every input file must
// have a case and every case an input file, so no golden file is silently ignored.
func goldenCases(t *testing.T, dir string, cases map[string]Pipeline) {
	t.Helper()
	inputs, err := filepath.Glob(filepath.Join("testdata", dir, "*.in.yaml"))
	require.NoError(t, err)
	found := map[string]bool{}
	for _, in := range inputs {
		found[strings.TrimSuffix(filepath.Base(in), ".in.yaml")] = true
	}
	names := make([]string, 0, len(cases))
	for name := range cases {
		names = append(names, name)
		require.True(t, found[name], "case %s has no testdata/%s/%s.in.yaml", name, dir, name)
	}
	for name := range found {
		_, ok := cases[name]
		require.True(t, ok, "testdata/%s/%s.in.yaml has no case", dir, name)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			base := filepath.Join("testdata", dir, name)
			got, notes := applyGolden(t, cases[name], readDocs(t, base+".in.yaml"))
			if *update {
				// Hand-written expectations keep their comments and layout unless the objects differ.
				if old, err := os.ReadFile(base + ".out.yaml"); err != nil || string(normalizeDocs(t, old)) != string(got) {
					require.NoError(t, os.WriteFile(base+".out.yaml", got, 0o644))
				}
				require.NoError(t, os.WriteFile(base+".notes.txt", notes, 0o644))
				return
			}
			want, err := os.ReadFile(base + ".out.yaml")
			require.NoError(t, err, "run go test ./pkg/transform -run %s -update to create it", t.Name())
			assert.Equal(t, string(normalizeDocs(t, want)), string(got))
			wantNotes, err := os.ReadFile(base + ".notes.txt")
			require.NoError(t, err, "run go test ./pkg/transform -run %s -update to create it", t.Name())
			assert.Equal(t, string(wantNotes), string(notes))
		})
	}
}

// applyGolden returns the objects as the pipeline left them and, per object, the notes it wrote.
func applyGolden(t *testing.T, p Pipeline, docs []*unstructured.Unstructured) (objects, notes []byte) {
	t.Helper()
	var out [][]byte
	var log bytes.Buffer
	for _, obj := range docs {
		before := obj.DeepCopy()
		outcome, err := p.Apply(Item{Object: obj, FromBackup: before.DeepCopy()})
		require.NoError(t, err)
		var doc any = obj.Object
		if outcome.Skip != "" {
			doc = map[string]any{"skipped": outcome.Skip}
		}
		if outcome.Skip == "" && len(outcome.Notes) == 0 {
			assert.Equal(t, before.Object, obj.Object, "%s %s changed, but no rule said so", obj.GetKind(), Key(obj))
		}
		b, err := yaml.Marshal(doc)
		require.NoError(t, err)
		out = append(out, b)
		fmt.Fprintf(&log, "# %s %s\n", before.GetKind(), Key(before))
		for _, n := range outcome.Notes {
			fmt.Fprintln(&log, n)
		}
	}
	return bytes.Join(out, []byte("---\n")), log.Bytes()
}

// readDocs decodes YAML documents the way Velero hands items to a plugin: JSON into unstructured content,
// so integers are int64.
func readDocs(t *testing.T, path string) []*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var docs []*unstructured.Unstructured
	for _, doc := range splitDocs(raw) {
		js, err := yaml.YAMLToJSON(doc)
		require.NoError(t, err)
		obj := &unstructured.Unstructured{}
		require.NoError(t, obj.UnmarshalJSON(js), "%s", path)
		docs = append(docs, obj)
	}
	return docs
}

func normalizeDocs(t *testing.T, raw []byte) []byte {
	t.Helper()
	var out [][]byte
	for _, doc := range splitDocs(raw) {
		var v any
		require.NoError(t, yaml.Unmarshal(doc, &v))
		b, err := yaml.Marshal(v)
		require.NoError(t, err)
		out = append(out, b)
	}
	return bytes.Join(out, []byte("---\n"))
}

func splitDocs(raw []byte) [][]byte {
	var docs [][]byte
	for _, doc := range bytes.Split(raw, []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(doc))) > 0 {
			docs = append(docs, doc)
		}
	}
	return docs
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}
