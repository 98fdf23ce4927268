//go:build e2e

package suite

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The velero CLI reads logs, resource lists and backup contents through the plugin's signed URLs: the
// server hands out a URL and the CLI GETs it itself.
func TestCLIReadsTheVaultThroughSignedURLs(t *testing.T) {
	parallel(t)
	deployWorkload(t, env.a, "cli-ns")
	backup(t, env.a, "cli", "--include-namespaces", "cli-ns")

	logs, err := env.a.Velero(ctx(t), "backup", "logs", "cli")
	require.NoError(t, err)
	assert.Contains(t, logs, "backup=velero/cli")
	assert.Contains(t, logs, "Backed up a total of")

	details, err := env.a.Velero(ctx(t), "backup", "describe", "cli", "--details")
	require.NoError(t, err)
	assert.Contains(t, details, "Resource List:")
	assert.Contains(t, details, "cli-ns/settings")
	assert.NotContains(t, details, "<error")

	file := filepath.Join(t.TempDir(), "cli.tar.gz")
	_, err = env.a.Velero(ctx(t), "backup", "download", "cli", "--output", file)
	require.NoError(t, err)
	names := tarNames(t, file)
	assert.Contains(t, names, "resources/configmaps/namespaces/cli-ns/settings.json")
	assert.Contains(t, names, "resources/secrets/namespaces/cli-ns/token.json")
	assert.Contains(t, names, "resources/deployments.apps/namespaces/cli-ns/app.json")
}

func tarNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		require.NoError(t, err)
		names = append(names, h.Name)
	}
}
