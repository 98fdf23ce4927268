package releasenotes

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/tools/internal/testfiles"
)

const from = "ghcr.io/csdr-io/csdr-controller:latest"

func TestSetImage(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		want     string
		wantErr  string
	}{
		{
			name:     "indentation kept, other images untouched",
			manifest: "spec:\n  containers:\n  - args:\n    - --mount-pod-image=registry.k8s.io/pause:3.10\n    image: " + from + "\n    name: c\n",
			want:     "spec:\n  containers:\n  - args:\n    - --mount-pod-image=registry.k8s.io/pause:3.10\n    image: r.example/csdr-controller:v1.2.3\n    name: c\n",
		},
		{name: "first key of a list item", manifest: "- image: " + from + "\n", want: "- image: r.example/csdr-controller:v1.2.3\n"},
		{name: "not there", manifest: "    image: ghcr.io/csdr-io/csdr-controller:v0.9.0\n", wantErr: "found 0 lines"},
		{name: "a longer tag is another image", manifest: "    image: " + from + "-debug\n", wantErr: "found 0 lines"},
		{name: "in a comment", manifest: "    # image: " + from + "\n", wantErr: "found 0 lines"},
		{name: "twice", manifest: "    image: " + from + "\n    image: " + from + "\n", wantErr: "found 2 lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetImage([]byte(tt.manifest), from, "r.example/csdr-controller:v1.2.3")
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

func TestAssetsWrite(t *testing.T) {
	src := testfiles.Write(t, map[string]string{
		"install.yaml":        "kind: Deployment\n        image: " + from + "\n",
		"ram-policy-oss.json": `{"Version": "1"}`,
		"ram-policy-ecs.json": `{"Version": "1", "Statement": []}`,
	})
	assets := Assets{
		InstallYAML:         filepath.Join(src, "install.yaml"),
		ControllerImageFrom: from,
		ControllerImage:     "r.example/csdr-controller:v1.2.3",
		Policies:            []string{filepath.Join(src, "ram-policy-oss.json"), filepath.Join(src, "ram-policy-ecs.json")},
		Notes:               "## v1.2.3\n",
	}

	t.Run("files and their checksums", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "release")
		require.NoError(t, assets.Write(out))

		install, err := os.ReadFile(filepath.Join(out, "install.yaml"))
		require.NoError(t, err)
		assert.Equal(t, "kind: Deployment\n        image: r.example/csdr-controller:v1.2.3\n", string(install))
		entries, err := os.ReadDir(out)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		assert.Equal(t, []string{ChecksumsFile, "install.yaml", "ram-policy-ecs.json", "ram-policy-oss.json", NotesFile}, names)

		sums, err := os.ReadFile(filepath.Join(out, ChecksumsFile))
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSuffix(string(sums), "\n"), "\n")
		require.Len(t, lines, 4, "every asset but the checksums themselves")
		for _, line := range lines {
			sum, name, ok := strings.Cut(line, "  ")
			require.True(t, ok, "sha256sum format: %q", line)
			content, err := os.ReadFile(filepath.Join(out, name))
			require.NoError(t, err)
			digest := sha256.Sum256(content)
			assert.Equal(t, hex.EncodeToString(digest[:]), sum, name)
		}
	})

	tests := []struct {
		name    string
		change  func(a *Assets, out string)
		wantErr string
	}{
		{name: "output not empty", change: func(_ *Assets, out string) {
			require.NoError(t, os.MkdirAll(out, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(out, "stale"), nil, 0o644))
		}, wantErr: "not empty"},
		{name: "image not found", change: func(a *Assets, _ string) { a.ControllerImageFrom = "other:latest" }, wantErr: "found 0 lines"},
		{name: "no policies", change: func(a *Assets, _ string) { a.Policies = nil }, wantErr: "no RAM policy"},
		{name: "policy missing", change: func(a *Assets, _ string) { a.Policies = []string{filepath.Join(src, "nope.json")} }, wantErr: "nope.json"},
		{name: "name clash", change: func(a *Assets, _ string) { a.Policies = []string{filepath.Join(src, "install.yaml")} }, wantErr: "two assets named install.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "release")
			a := assets
			tt.change(&a, out)
			err := a.Write(out)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}
