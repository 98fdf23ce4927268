package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func mustNameMapping(t *testing.T, m map[string]string) *ImageNameMapping {
	t.Helper()
	r, err := NewImageNameMapping(m)
	require.NoError(t, err)
	return r
}

// velero's documented example cases, one per form.
var veleroForms = map[string]string{
	"case1": "app1:v1,app2:v2",
	"case2": "app3,app4",
	"case3": "v1:v2",
	"case4": "docker.io/library/app5:v1,registry.cn-beijing.aliyuncs.com/my-registry/app6:v2",
}

func TestImageNameMappingGolden(t *testing.T) {
	forms := mustNameMapping(t, veleroForms)
	goldenCases(t, "image_name", map[string]Pipeline{
		"forms": {forms},
		"precedence": {mustNameMapping(t, map[string]string{
			"scoped-tag": "docker.io/library/app1:v1,registry.cn-beijing.aliyuncs.com/my-registry/scoped-tag:v9",
			"scoped":     "docker.io/library/app1,registry.cn-beijing.aliyuncs.com/my-registry/scoped",
			"name-tag":   "app1:v2,name-tag:v9",
			"name":       "app1,name",
			"tag":        "v3:v9",
		})},
		"digest":    {forms},
		"untouched": {forms},
		// The order the restore pipeline uses: rename, then move registries.
		"with_registry_mapping": {forms, mustRegistryMapping(t, map[string]string{"docker.io/library/": aliyunRegistry})},
	})
}

func TestImageNameMappingRewrite(t *testing.T) {
	rule := mustNameMapping(t, map[string]string{
		"case1":  "app1:v1,app2:v2",
		"case2":  "app3,app4",
		"case3":  "v1:v2",
		"case4":  "docker.io/library/app5:v1,registry.cn-beijing.aliyuncs.com/my-registry/app6:v2",
		"case5":  " app7 , app8:v8 ",
		"case6":  "latest:stable",
		"case7":  "localhost:5000/team/app9,registry.cn-beijing.aliyuncs.com/team/app9",
		"case8":  "app10:v1,app11",
		"case9":  "quay.io/org/app12,app13",
		"case10": "app14:latest,app15:v1",
	})
	tests := []struct {
		image string
		want  string // "" for unchanged
	}{
		{"app1:v1", "app2:v2"},
		{"quay.io/team/app1:v1", "quay.io/team/app2:v2"},
		{"app1:v1@" + testDigest, "app2:v2@" + testDigest},
		{"app1:v3", ""},
		{"app1@" + testDigest, ""},
		{"app3", "app4"},
		{"app3:1.0", "app4:1.0"},
		{"registry.example.com:8443/ns/app3:1.0@" + testDigest, "registry.example.com:8443/ns/app4:1.0@" + testDigest},
		{"app3@" + testDigest, "app4@" + testDigest},
		{"nginx:v1", "nginx:v2"},
		{"quay.io/x/nginx:v1@" + testDigest, "quay.io/x/nginx:v2@" + testDigest},
		{"nginx:v10", ""},
		{"nginx@" + testDigest, ""},
		// An untagged image is pulled as latest, so it matches as latest.
		{"nginx", "nginx:stable"},
		{"nginx:latest", "nginx:stable"},
		{"app14", "app15:v1"},
		{"docker.io/library/app5:v1", "registry.cn-beijing.aliyuncs.com/my-registry/app6:v2"},
		{"app5:v1", "registry.cn-beijing.aliyuncs.com/my-registry/app6:v2"},
		{"index.docker.io/app5:v1", "registry.cn-beijing.aliyuncs.com/my-registry/app6:v2"},
		{"quay.io/library/app5:v1", "quay.io/library/app5:v2"}, // not Docker Hub: only the tag rule applies
		{"app7:x", "app8:v8"},
		{"localhost:5000/team/app9:1", "registry.cn-beijing.aliyuncs.com/team/app9:1"},
		{"localhost:5000/team/app9@" + testDigest, "registry.cn-beijing.aliyuncs.com/team/app9@" + testDigest},
		{"localhost:5000/other/app9:1", ""},
		{"app10:v1", "app11:v1"},
		{"quay.io/org/app12:3", "app13:3"},
		{"Not/A/Reference:v1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			got, ok := rule.rewriteImage(tt.image)
			if tt.want == "" {
				assert.False(t, ok, "rewritten to %s", got)
				return
			}
			assert.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestImageNameMappingNotes(t *testing.T) {
	rule := mustNameMapping(t, veleroForms)
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "batch/v1", "kind": "CronJob", "metadata": map[string]any{"name": "c"},
		"spec": map[string]any{"jobTemplate": map[string]any{"spec": map[string]any{"template": map[string]any{
			"spec": map[string]any{"containers": []any{
				map[string]any{"name": "web", "image": "app1:v1"},
				map[string]any{"name": "other", "image": "app9:v9"},
			}},
		}}}},
	}}
	var out Outcome
	require.NoError(t, rule.Apply(Item{Object: obj}, &out))
	assert.Equal(t, []string{"imageNameMapping: container web: app1:v1 -> app2:v2"}, out.Notes)
}

func TestNewImageNameMappingErrors(t *testing.T) {
	tests := []struct {
		name    string
		m       map[string]string
		wantErr string
	}{
		{"empty", map[string]string{"case1": " "}, `case "case1": empty value`},
		{"no separator", map[string]string{"case1": "app1"},
			`case "case1": value "app1": none of the forms name:tag,name:tag | name,name | registry/path:tag,registry/path:tag | tag:tag`},
		{"two commas", map[string]string{"case1": "app1,app2,app3"}, `case "case1": value "app1,app2,app3": more than one ','`},
		{"no target", map[string]string{"case1": "app1,"}, `case "case1": value "app1,": source and target must both be set`},
		{"no source", map[string]string{"case1": ",app2"}, `case "case1": value ",app2": source and target must both be set`},
		{"inner whitespace", map[string]string{"case1": "app 1,app2"}, `case "case1": value "app 1,app2": contains whitespace`},
		{"uppercase name", map[string]string{"case1": "App1,app2"},
			`case "case1": source: image "App1": invalid repository path component "App1": lowercase letters and digits separated by '.', '_', '__' or '-'`},
		{"bad target tag", map[string]string{"case1": "app1:v1,app2:v+2"},
			`case "case1": target: image "app2:v+2": invalid tag "v+2": letters, digits, '_', '.' and '-' only`},
		{"digest in source", map[string]string{"case1": "app1@" + testDigest + ",app2"},
			`case "case1": source "app1@` + testDigest + `": holds a digest; digests are kept, not mapped`},
		{"digest in target", map[string]string{"case1": "app1,app2@" + testDigest},
			`case "case1": target "app2@` + testDigest + `": holds a digest; digests are kept, not mapped`},
		{"name to repository", map[string]string{"case1": "app1,registry.cn-beijing.aliyuncs.com/x/app2"},
			`case "case1": target "registry.cn-beijing.aliyuncs.com/x/app2": a name source takes a name target without '/'; to replace whole references, give the source with its registry and path`},
		{"bad tag rule", map[string]string{"case1": "v1:v2:v3"}, `case "case1": value "v1:v2:v3": target: invalid tag "v2:v3": letters, digits, '_', '.' and '-' only`},
		{"bad tag rule source", map[string]string{"case1": ".v1:v2"}, `case "case1": value ".v1:v2": source: invalid tag ".v1": must start with a letter, digit or '_'`},
		{"tag rule with path", map[string]string{"case1": "docker.io/app1:v1"},
			`case "case1": value "docker.io/app1:v1": source: invalid tag "docker.io/app1": letters, digits, '_', '.' and '-' only`},
		{"conflicting names", map[string]string{"a": "app1:v1,app2:v2", "b": "app1:v1,app3:v2"},
			`conflicting rules: cases "a" and "b" both map app1:v1, to app2:v2 and to app3:v2`},
		{"conflicting tags", map[string]string{"a": "v1:v2", "b": "v1:v3"},
			`conflicting rules: cases "a" and "b" both map tag v1, to v2 and to v3`},
		{"conflicting spellings of one repository", map[string]string{
			"a": "docker.io/library/app1:v1,registry.cn-beijing.aliyuncs.com/x/app1:v1",
			"b": "library/app1:v1,registry.cn-hangzhou.aliyuncs.com/x/app1:v1",
		}, `conflicting rules: cases "a" and "b" both map docker.io/library/app1:v1, to registry.cn-beijing.aliyuncs.com/x/app1:v1 and to registry.cn-hangzhou.aliyuncs.com/x/app1:v1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewImageNameMapping(tt.m)
			require.Error(t, err)
			assert.Equal(t, tt.wantErr, err.Error())
		})
	}
}

func TestNewImageNameMappingDuplicateCases(t *testing.T) {
	// The same mapping under two case names is redundant, not conflicting.
	rule := mustNameMapping(t, map[string]string{"a": "app1,app2", "b": " app1 , app2 "})
	got, ok := rule.rewriteImage("app1:v1")
	assert.True(t, ok)
	assert.Equal(t, "app2:v1", got)
}
