package releasenotes

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/<name>, or writes it there with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

func TestNotesMarkdown(t *testing.T) {
	fragments := []Fragment{{3, "alice", "Restore ECS disks from snapshots"}, {12, "bob-b", "Sign the images"}}
	tests := []struct {
		golden string
		notes  Notes
	}{
		{
			golden: "notes-two-registries.md",
			notes: Notes{
				Version: "v1.2.3", Repository: "csdr-io/velero-plugin-for-alibabacloud",
				Registries: []Registry{{Name: "ghcr.io/csdr-io"}, {Name: "registry.cn-hangzhou.aliyuncs.com/csdr", Note: "mirror reachable from mainland China"}},
				Digests: map[string]string{
					"velero-plugin-for-alibabacloud": "sha256:" + strings.Repeat("a", 64),
					"csdr-controller":                "sha256:" + strings.Repeat("b", 64),
				},
				Fragments: fragments,
			},
		},
		{
			golden: "notes-one-registry-no-changes.md",
			notes: Notes{
				Version: "v0.1.0-rc.1", Repository: "someone/fork",
				Registries: []Registry{{Name: "ghcr.io/someone"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			golden(t, tt.golden, tt.notes.Markdown())
		})
	}
}

func TestChangelogSection(t *testing.T) {
	fragments := []Fragment{{3, "alice", "Restore ECS disks from snapshots"}}
	assert.Equal(t, "## v1.2.3\n\nRelease: https://github.com/o/r/releases/tag/v1.2.3\n\n- Restore ECS disks from snapshots (#3, @alice)\n",
		ChangelogSection("v1.2.3", "o/r", fragments))
	assert.Equal(t, "## Unreleased\n\n- Restore ECS disks from snapshots (#3, @alice)\n",
		ChangelogSection(Unreleased, "o/r", fragments), "no release to link to")
}

func TestParseDigests(t *testing.T) {
	a, b := "sha256:"+strings.Repeat("a", 64), "sha256:"+strings.Repeat("b", 64)
	tests := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr string
	}{
		{
			name: "bare names",
			in:   "velero-plugin-for-alibabacloud " + a + "\ncsdr-controller " + b + "\n",
			want: map[string]string{"velero-plugin-for-alibabacloud": a, "csdr-controller": b},
		},
		{
			name: "names with registry and tag, blank lines",
			in:   "\nghcr.io/csdr-io/csdr-controller:v1.2.3 " + b + "\n\n",
			want: map[string]string{"csdr-controller": b},
		},
		{name: "unknown image", in: "other " + a + "\n", wantErr: "unknown images [other]"},
		{name: "short digest", in: "csdr-controller sha256:abc\n", wantErr: "line 1"},
		{name: "no digest", in: "csdr-controller\n", wantErr: "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDigests(strings.NewReader(tt.in))
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
