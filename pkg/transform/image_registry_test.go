package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

const aliyunRegistry = "registry.cn-beijing.aliyuncs.com/my-registry/"

func mustRegistryMapping(t *testing.T, m map[string]string) *ImageRegistryMapping {
	t.Helper()
	r, err := NewImageRegistryMapping(m)
	require.NoError(t, err)
	return r
}

func TestImageRegistryMappingGolden(t *testing.T) {
	library := mustRegistryMapping(t, map[string]string{"docker.io/library/": aliyunRegistry})
	goldenCases(t, "image_registry", map[string]Pipeline{
		"longest_prefix": {mustRegistryMapping(t, map[string]string{
			"docker.io":                "mirror.example.com/hub",
			"docker.io/library/":       aliyunRegistry,
			"docker.io/library/redis":  "registry.cn-beijing.aliyuncs.com/cache/redis",
			"quay.io/":                 "registry.cn-hangzhou.aliyuncs.com/quay/",
			"quay.io/coreos/etcd/":     "registry.cn-hangzhou.aliyuncs.com/etcd-tools/",
			"localhost:5000/team/":     "registry.cn-beijing.aliyuncs.com/team/",
			"index.docker.io/bitnami/": "registry.cn-beijing.aliyuncs.com/bitnami/",
		})},
		"boundary": {mustRegistryMapping(t, map[string]string{
			"docker.io/library/ngin": "registry.cn-beijing.aliyuncs.com/wrong/ngin",
			"docker.io/lib/":         "registry.cn-beijing.aliyuncs.com/wrong/",
			"quay.io/core":           "registry.cn-beijing.aliyuncs.com/core",
		})},
		"digest":         {library},
		"container_list": {library},
		"carriers":       {library},
		"untouched":      {library},
	})
}

func TestImageRegistryMappingRewrite(t *testing.T) {
	rule := mustRegistryMapping(t, map[string]string{
		"docker.io/library/":  aliyunRegistry,
		"bitnami/":            "registry.cn-beijing.aliyuncs.com/bitnami-mirror/",
		"nginx":               "registry.cn-beijing.aliyuncs.com/web/nginx",
		"ghcr.io/org/tool":    "registry.cn-beijing.aliyuncs.com/tools/tool",
		"quay.io":             "registry.cn-hangzhou.aliyuncs.com/quay",
		"localhost:5000/":     "registry.cn-beijing.aliyuncs.com/local/",
		"gcr.io/project/app/": "registry.cn-beijing.aliyuncs.com/app/",
	})
	tests := []struct {
		image string
		want  string // "" for unchanged
	}{
		{"redis:7", aliyunRegistry + "redis:7"},
		{"library/redis", aliyunRegistry + "redis"},
		{"index.docker.io/library/redis@" + testDigest, aliyunRegistry + "redis@" + testDigest},
		{"docker.io/redis:7@" + testDigest, aliyunRegistry + "redis:7@" + testDigest},
		// A bare Docker Hub key means the library image, and beats the shorter library/ key.
		{"nginx:1.25", "registry.cn-beijing.aliyuncs.com/web/nginx:1.25"},
		{"docker.io/library/nginx", "registry.cn-beijing.aliyuncs.com/web/nginx"},
		{"bitnami/redis:7", "registry.cn-beijing.aliyuncs.com/bitnami-mirror/redis:7"},
		{"docker.io/bitnami/redis:7", "registry.cn-beijing.aliyuncs.com/bitnami-mirror/redis:7"},
		// A key without "/" matches its repository and what is under it.
		{"ghcr.io/org/tool:1", "registry.cn-beijing.aliyuncs.com/tools/tool:1"},
		{"ghcr.io/org/tool/cli:1", "registry.cn-beijing.aliyuncs.com/tools/tool/cli:1"},
		{"ghcr.io/org/toolbox:1", ""},
		{"quay.io/coreos/etcd:v3.5", "registry.cn-hangzhou.aliyuncs.com/quay/coreos/etcd:v3.5"},
		{"QUAY.IO/coreos/etcd", "registry.cn-hangzhou.aliyuncs.com/quay/coreos/etcd"},
		{"localhost:5000/app", "registry.cn-beijing.aliyuncs.com/local/app"},
		// A key ending in "/" matches only what is under it.
		{"gcr.io/project/app", ""},
		{"gcr.io/project/app/worker:1", "registry.cn-beijing.aliyuncs.com/app/worker:1"},
		{"bitnamix/redis", ""},
		{"quay.io.example.com/x", ""},
		{"localhost:5001/app", ""},
		{"registry.cn-beijing.aliyuncs.com/my-registry/redis:7", ""},
		{"Not/A/Reference", ""},
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

func TestImageRegistryMappingNotes(t *testing.T) {
	rule := mustRegistryMapping(t, map[string]string{"docker.io/library/": aliyunRegistry})
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod", "metadata": map[string]any{"name": "p"},
		"spec": map[string]any{
			"initContainers": []any{map[string]any{"name": "init", "image": "busybox"}},
			"containers": []any{
				map[string]any{"name": "web", "image": "nginx:1.25"},
				map[string]any{"name": "side", "image": "quay.io/x/y"},
			},
		},
	}}
	var out Outcome
	require.NoError(t, rule.Apply(Item{Object: obj}, &out))
	assert.Equal(t, []string{
		"imageRegistryMapping: container init: busybox -> " + aliyunRegistry + "busybox",
		"imageRegistryMapping: container web: nginx:1.25 -> " + aliyunRegistry + "nginx:1.25",
	}, out.Notes)
	assert.Empty(t, out.Skip)
}

func TestNewImageRegistryMappingErrors(t *testing.T) {
	tests := []struct {
		name    string
		m       map[string]string
		wantErr string
	}{
		{"empty key", map[string]string{"": aliyunRegistry}, `key "": empty`},
		{"empty value", map[string]string{"docker.io/library/": ""}, `key "docker.io/library/": value "": empty`},
		{"whitespace in key", map[string]string{"docker.io/ library/": aliyunRegistry}, `key "docker.io/ library/": contains whitespace`},
		{"whitespace around value", map[string]string{"docker.io/library/": aliyunRegistry + " "},
			`key "docker.io/library/": value "` + aliyunRegistry + ` ": contains whitespace`},
		{"uppercase path", map[string]string{"docker.io/Library/": aliyunRegistry},
			`key "docker.io/Library/": invalid repository path component "Library": lowercase letters and digits separated by '.', '_', '__' or '-'`},
		{"invalid character", map[string]string{"docker.io/library/": "registry.cn-beijing.aliyuncs.com/my$registry/"},
			`key "docker.io/library/": value "registry.cn-beijing.aliyuncs.com/my$registry/": invalid repository path component "my$registry": lowercase letters and digits separated by '.', '_', '__' or '-'`},
		{"tag in key", map[string]string{"docker.io/library/nginx:1.25": "registry.cn-beijing.aliyuncs.com/x/nginx"},
			`key "docker.io/library/nginx:1.25": a prefix holds no tag or digest`},
		{"bad registry", map[string]string{"reg.io:http/": aliyunRegistry}, `key "reg.io:http/": invalid registry "reg.io:http": port must be a number`},
		{"double slash", map[string]string{"docker.io//": aliyunRegistry}, `key "docker.io//": empty repository path`},
		{"key slash only", map[string]string{"docker.io/library/": "registry.cn-beijing.aliyuncs.com/my-registry"},
			`key "docker.io/library/": key and value "registry.cn-beijing.aliyuncs.com/my-registry" must both end in "/" or both not`},
		{"value slash only", map[string]string{"docker.io/library/nginx": "registry.cn-beijing.aliyuncs.com/web/"},
			`key "docker.io/library/nginx": key and value "registry.cn-beijing.aliyuncs.com/web/" must both end in "/" or both not`},
		{"repository to registry", map[string]string{"docker.io/library/nginx": "registry.cn-beijing.aliyuncs.com"},
			`key "docker.io/library/nginx": value "registry.cn-beijing.aliyuncs.com" names only a registry, but the key names a repository`},
		{"docker hub namespace without slash", map[string]string{"docker.io/bitnami": "registry.cn-beijing.aliyuncs.com/bitnami"},
			`key "docker.io/bitnami": ambiguous on Docker Hub: write "docker.io/library/bitnami" for the image or "docker.io/bitnami/" for the namespace`},
		{"library without slash", map[string]string{"docker.io/library": "registry.cn-beijing.aliyuncs.com/my-registry"},
			`key "docker.io/library": ambiguous on Docker Hub: write "docker.io/library/library" for the image or "docker.io/library/" for the namespace`},
		{"bare library", map[string]string{"library": "registry.cn-beijing.aliyuncs.com/my-registry"},
			`key "library": names the image docker.io/library/library; write "library/" to map the library namespace`},
		{"conflicting spellings", map[string]string{"docker.io/library/": aliyunRegistry, "library/": "registry.cn-hangzhou.aliyuncs.com/x/"},
			`conflicting rules: keys "docker.io/library/" and "library/" both name docker.io/library`},
		{"conflicting docker hub hosts", map[string]string{"index.docker.io/": "a.io/", "docker.io": "b.io"},
			`conflicting rules: keys "docker.io" and "index.docker.io/" both name docker.io`},
		{"conflicting short name", map[string]string{"nginx": "a.io/nginx", "docker.io/library/nginx": "b.io/nginx"},
			`conflicting rules: keys "docker.io/library/nginx" and "nginx" both name docker.io/library/nginx`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewImageRegistryMapping(tt.m)
			require.Error(t, err)
			assert.Equal(t, tt.wantErr, err.Error())
		})
	}
}

func TestNewImageRegistryMappingEmpty(t *testing.T) {
	rule := mustRegistryMapping(t, nil)
	_, ok := rule.rewriteImage("nginx")
	assert.False(t, ok)
	assert.Equal(t, "imageRegistryMapping", rule.Name())
}
