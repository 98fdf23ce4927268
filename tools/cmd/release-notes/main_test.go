package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/tools/internal/testfiles"
)

func TestRun(t *testing.T) {
	digest := "sha256:" + strings.Repeat("c", 64)
	tests := []struct {
		name     string
		files    map[string]string
		args     []string
		wantOut  []string
		wantErr  string
		wantFile string
	}{
		{name: "check good", files: map[string]string{"changelogs/unreleased/1-a": "x\n", "changelogs/v0.1.0/2-b": "y\n"}, args: []string{"check"}},
		{name: "check finds a bad fragment of a release", files: map[string]string{"changelogs/unreleased/1-a": "x\n", "changelogs/v0.1.0/2-b": "y\n\n"}, args: []string{"check"}, wantErr: "changelogs/v0.1.0"},
		{
			name:  "notes with the mirror and digests",
			files: map[string]string{"changelogs/unreleased/1-a": "x\n", "digests.txt": "csdr-controller " + digest + "\n"},
			args:  []string{"notes", "-version", "v1.0.0", "-registry", "r.example/p", "-registry-cn", "cn.example/p", "-digests", "digests.txt"},
			wantOut: []string{"## v1.0.0\n", "`r.example/p/csdr-controller:v1.0.0`", "`cn.example/p/velero-plugin-for-alibabacloud:v1.0.0`",
				"csdr-controller `" + digest + "`", "- x (#1, @a)"},
		},
		{name: "notes without digests yet", files: map[string]string{}, args: []string{"notes", "-version", "v1.0.0", "-digests", "missing.txt"}, wantOut: []string{"No changes recorded."}},
		{name: "notes need a version", files: map[string]string{}, args: []string{"notes"}, wantErr: "version"},
		{
			name: "assets",
			files: map[string]string{"deploy/install.yaml": "    image: ghcr.io/csdr-io/csdr-controller:latest\n",
				"examples/velero-install/ram-policy-oss.json": "{}"},
			args: []string{"assets", "-version", "v1.0.0", "-registry", "r.example/p"}, wantFile: "install.yaml",
		},
		{name: "changelog", files: map[string]string{"CHANGELOG.md": "# Changelog\n", "changelogs/unreleased/1-a": "x\n"}, args: []string{"changelog"}, wantFile: "../CHANGELOG.md"},
		{name: "unknown command", files: map[string]string{}, args: []string{"publish"}, wantErr: "usage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testfiles.Write(t, tt.files)
			out := filepath.Join(root, "out")
			args := append(tt.args, "-root", root)
			if tt.args[0] == "assets" {
				args = append(args, "-out", out)
			}
			var stdout strings.Builder
			err := run(args, &stdout)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			for _, want := range tt.wantOut {
				assert.Contains(t, stdout.String(), want)
			}
			if tt.wantFile != "" {
				assert.FileExists(t, filepath.Join(out, tt.wantFile))
			}
		})
	}
}

// The repository's own fragments are checked on every make test, so a bad one fails its pull request.
func TestRepositoryFragments(t *testing.T) {
	require.NoError(t, run([]string{"check", "-root", "../../.."}, &strings.Builder{}))
}
