package releasenotes

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/tools/internal/testfiles"
)

const preamble = "# Changelog\n\nIntro.\n"

func TestSetSection(t *testing.T) {
	unreleased := "## Unreleased\n\n- New (#5, @a)\n"
	v2 := "## v0.2.0\n\nRelease: x\n\n- New (#5, @a)\n"
	v1 := "## v0.1.0\n\n- Old (#1, @a)\n"
	tests := []struct {
		name      string
		changelog string
		section   string
		want      string
		wantErr   string
	}{
		{name: "first unreleased", changelog: preamble, section: unreleased, want: preamble + "\n" + unreleased},
		{name: "unreleased goes above releases", changelog: preamble + "\n" + v1, section: unreleased, want: preamble + "\n" + unreleased + "\n" + v1},
		{
			name:      "unreleased refreshed in place",
			changelog: preamble + "\n## Unreleased\n\n- Stale (#4, @a)\n\n" + v1,
			section:   unreleased, want: preamble + "\n" + unreleased + "\n" + v1,
		},
		{
			name:      "release replaces unreleased",
			changelog: preamble + "\n" + unreleased + "\n" + v1,
			section:   v2, want: preamble + "\n" + v2 + "\n" + v1,
		},
		{name: "release with no unreleased section", changelog: preamble + "\n" + v1, section: v2, want: preamble + "\n" + v2 + "\n" + v1},
		{name: "release written once", changelog: preamble + "\n" + v1, section: v1, wantErr: `already has a section "v0.1.0"`},
		{name: "not a section", changelog: preamble, section: "# Title\n", wantErr: "not a ## heading"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := SetSection(tt.changelog, tt.section)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRelease(t *testing.T) {
	withFragments := map[string]string{
		"CHANGELOG.md":                  preamble + "\n## Unreleased\n\n- Stale (#4, @a)\n",
		"changelogs/unreleased/9-bob":   "Second\n",
		"changelogs/unreleased/8-alice": "First\n",
	}
	t.Run("folds and moves the fragments", func(t *testing.T) {
		root := testfiles.Write(t, withFragments)
		require.NoError(t, Release(root, "v0.2.0", "o/r"))

		changelog, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
		require.NoError(t, err)
		assert.Equal(t, preamble+"\n## v0.2.0\n\nRelease: https://github.com/o/r/releases/tag/v0.2.0\n\n"+
			"- First (#8, @alice)\n- Second (#9, @bob)\n", string(changelog))
		left, err := os.ReadDir(filepath.Join(root, "changelogs", "unreleased"))
		require.NoError(t, err)
		assert.Empty(t, left)
		moved, err := ReadFragments(os.DirFS(root), "changelogs/v0.2.0")
		require.NoError(t, err)
		assert.Equal(t, []Fragment{{8, "alice", "First"}, {9, "bob", "Second"}}, moved)
	})
	tests := []struct {
		name    string
		files   map[string]string
		version string
		wantErr string
	}{
		{name: "not a release tag", files: withFragments, version: "v0.2.0-3-gabc", wantErr: "not a release tag"},
		{name: "no fragments", files: map[string]string{"CHANGELOG.md": preamble}, version: "v0.2.0", wantErr: "no fragments"},
		{name: "bad fragment", files: map[string]string{"CHANGELOG.md": preamble, "changelogs/unreleased/x": "y\n"}, version: "v0.2.0", wantErr: "name must be"},
		{name: "released already", files: map[string]string{"CHANGELOG.md": preamble, "changelogs/unreleased/1-a": "y\n", "changelogs/v0.2.0/2-a": "z\n"}, version: "v0.2.0", wantErr: "exists already"},
		{name: "no CHANGELOG.md", files: map[string]string{"changelogs/unreleased/1-a": "y\n"}, version: "v0.2.0", wantErr: "CHANGELOG.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := testfiles.Write(t, tt.files)
			err := Release(root, tt.version, "o/r")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			if tt.files["changelogs/unreleased/1-a"] != "" {
				assert.FileExists(t, filepath.Join(root, "changelogs", "unreleased", "1-a"), "a refused release moves nothing")
			}
		})
	}
}

func TestRefreshUnreleased(t *testing.T) {
	root := testfiles.Write(t, map[string]string{
		"CHANGELOG.md":              preamble + "\n## v0.1.0\n\n- Old (#1, @a)\n",
		"changelogs/unreleased/2-b": "New\n",
	})
	require.NoError(t, RefreshUnreleased(root, "o/r"))
	changelog, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	require.NoError(t, err)
	assert.Equal(t, preamble+"\n## Unreleased\n\n- New (#2, @b)\n\n## v0.1.0\n\n- Old (#1, @a)\n", string(changelog))
	assert.FileExists(t, filepath.Join(root, "changelogs", "unreleased", "2-b"), "fragments stay until the release")
}
