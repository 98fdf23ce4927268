package transform

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestParseImageRef(t *testing.T) {
	tests := []struct {
		in   string
		want ImageRef
		repo string
	}{
		{"nginx", ImageRef{Path: "nginx"}, "docker.io/library/nginx"},
		{"nginx:1.25", ImageRef{Path: "nginx", Tag: "1.25"}, "docker.io/library/nginx"},
		{"bitnami/redis:7", ImageRef{Path: "bitnami/redis", Tag: "7"}, "docker.io/bitnami/redis"},
		{"docker.io/nginx", ImageRef{Registry: "docker.io", Path: "nginx"}, "docker.io/library/nginx"},
		{"index.docker.io/library/nginx", ImageRef{Registry: "index.docker.io", Path: "library/nginx"}, "docker.io/library/nginx"},
		{"Docker.IO/nginx", ImageRef{Registry: "Docker.IO", Path: "nginx"}, "docker.io/library/nginx"},
		{"localhost/app", ImageRef{Registry: "localhost", Path: "app"}, "localhost/app"},
		{"localhost:5000/team/app:v1", ImageRef{Registry: "localhost:5000", Path: "team/app", Tag: "v1"}, "localhost:5000/team/app"},
		{"[::1]:5000/app", ImageRef{Registry: "[::1]:5000", Path: "app"}, "[::1]:5000/app"},
		{"registry.cn-beijing.aliyuncs.com/my-registry/nginx@" + testDigest,
			ImageRef{Registry: "registry.cn-beijing.aliyuncs.com", Path: "my-registry/nginx", Digest: testDigest},
			"registry.cn-beijing.aliyuncs.com/my-registry/nginx"},
		{"redis:7@" + testDigest, ImageRef{Path: "redis", Tag: "7", Digest: testDigest}, "docker.io/library/redis"},
		{"x/a__b.c-d---e/f_g:Tag_1.x-y", ImageRef{Path: "x/a__b.c-d---e/f_g", Tag: "Tag_1.x-y"}, "docker.io/x/a__b.c-d---e/f_g"},
		// No "." or ":" and not localhost: a namespace on Docker Hub, not a registry.
		{"myhost/app", ImageRef{Path: "myhost/app"}, "docker.io/myhost/app"},
		// Without "/", "localhost:5000" is an image named localhost tagged 5000, as for Docker.
		{"localhost:5000", ImageRef{Path: "localhost", Tag: "5000"}, "docker.io/library/localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseImageRef(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String())
			assert.Equal(t, tt.repo, got.Repository())
		})
	}
}

func TestParseImageRefErrors(t *testing.T) {
	tests := []struct {
		in      string
		wantErr string
	}{
		{"", "empty image reference"},
		{"Nginx", `image "Nginx": invalid repository path component "Nginx"`},
		{"docker.io/", `image "docker.io/": empty repository path`},
		{"a//b", `invalid repository path component ""`},
		{"a..b", `invalid repository path component "a..b"`},
		{"a___b", `invalid repository path component "a___b"`},
		{"-a", `invalid repository path component "-a"`},
		{"a-", `invalid repository path component "a-"`},
		{"nginx:", `image "nginx:": invalid tag ""`},
		{"nginx:.x", `invalid tag ".x": must start with a letter, digit or '_'`},
		{"nginx:" + strings.Repeat("a", 129), "1 to 128 characters"},
		{"nginx:a+b", `invalid tag "a+b": letters, digits, '_', '.' and '-' only`},
		{"nginx@sha256:abc", `invalid digest "sha256:abc"`},
		{"nginx@sha256:" + strings.Repeat("a", 63), "sha256 has 64 hex digits"},
		{"nginx@sha256:" + strings.Repeat("g", 64), "not hexadecimal"},
		{"nginx@1sha:" + strings.Repeat("a", 64), `invalid digest "1sha:`},
		{"nginx@" + testDigest + "@" + testDigest, "invalid digest"},
		{"reg.io:port/app", `invalid registry "reg.io:port": port must be a number`},
		{"-reg.io/app", `invalid registry "-reg.io"`},
		{"[zz]:5000/app", `invalid registry "[zz]:5000"`},
		{"nginx 1.25", "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseImageRef(tt.in)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func FuzzParseImageRef(f *testing.F) {
	for _, s := range []string{
		"nginx", "nginx:1.25", "docker.io/library/nginx@" + testDigest, "localhost:5000/a/b:c",
		"[::1]:5000/app:v1", "x/a__b.c-d---e/f_g", "registry.cn-beijing.aliyuncs.com/my-registry/app2:v2",
		"nginx:", "a//b", "UPPER/case", "@", ":", "/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ref, err := ParseImageRef(s)
		if err != nil {
			return
		}
		if got := ref.String(); got != s {
			t.Fatalf("ParseImageRef(%q).String() = %q", s, got)
		}
		// The normalized repository is itself a valid reference, so matching never sees garbage.
		norm, err := ParseImageRef(ref.Repository())
		if err != nil {
			t.Fatalf("Repository() of %q = %q does not parse: %v", s, ref.Repository(), err)
		}
		if norm.Repository() != ref.Repository() {
			t.Fatalf("normalizing %q is not idempotent: %q then %q", s, ref.Repository(), norm.Repository())
		}
	})
}
