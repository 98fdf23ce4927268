package imagebuild

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The Dockerfiles, for users with an engine, and make images must build the same images.
var dockerfiles = map[string]Image{"Dockerfile.plugins": Plugin, "Dockerfile.controller": Controller}

func readDockerfile(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", file))
	require.NoError(t, err)
	return string(data)
}

func TestDockerfilesBuildWhatMakeImagesBuilds(t *testing.T) {
	for file, img := range dockerfiles {
		t.Run(file, func(t *testing.T) {
			df, err := ParseDockerfile(strings.NewReader(readDockerfile(t, file)), "v9.8.7")
			require.NoError(t, err)
			assert.Empty(t, df.Drift(img, "v9.8.7"))
		})
	}
}

func TestDriftIsFound(t *testing.T) {
	plugins := readDockerfile(t, "Dockerfile.plugins")
	for name, edit := range map[string][2]string{
		"user":       {"USER 65532:65532", "USER 0:0"},
		"entrypoint": {`ENTRYPOINT ["/plugins/cp-plugin"]`, `ENTRYPOINT ["/bin/cp"]`},
		"cmd":        {`"/target"]`, `"/plugins"]`},
		"label":      {`org.opencontainers.image.licenses="Apache-2.0"`, `org.opencontainers.image.licenses="MIT"`},
		"files":      {"/out/cp-plugin /plugins/", "/plugins/"},
		"package":    {"./plugins/cmd/cp-plugin\n", "\n"},
		"base":       {"FROM scratch", "FROM busybox"},
		"version":    {"buildinfo.Version=${VERSION}", "buildinfo.Version=dev"},
	} {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, plugins, edit[0])
			df, err := ParseDockerfile(strings.NewReader(strings.Replace(plugins, edit[0], edit[1], 1)), "v1")
			require.NoError(t, err)
			assert.NotEmpty(t, df.Drift(Plugin, "v1"))
		})
	}
}
