package releasenotes

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFragment(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		content string
		want    Fragment
		wantErr string
	}{
		{name: "one line with newline", file: "42-octocat", content: "Add a thing\n", want: Fragment{PR: 42, User: "octocat", Text: "Add a thing"}},
		{name: "one line without newline", file: "7-a", content: "Fix it", want: Fragment{PR: 7, User: "a", Text: "Fix it"}},
		{name: "user with hyphens", file: "100-some-user-1", content: "x\n", want: Fragment{PR: 100, User: "some-user-1", Text: "x"}},
		{name: "no user", file: "42", content: "x\n", wantErr: "name must be"},
		{name: "no PR", file: "octocat", content: "x\n", wantErr: "name must be"},
		{name: "PR zero", file: "0-octocat", content: "x\n", wantErr: "name must be"},
		{name: "trailing hyphen in user", file: "42-octocat-", content: "x\n", wantErr: "name must be"},
		{name: "double hyphen in user", file: "42-octo--cat", content: "x\n", wantErr: "name must be"},
		{name: "extension", file: "42-octocat.md", content: "x\n", wantErr: "name must be"},
		{name: "user too long", file: "42-" + string(make40('a')), content: "x\n", wantErr: "name must be"},
		{name: "empty", file: "42-octocat", content: "", wantErr: "empty"},
		{name: "only newline", file: "42-octocat", content: "\n", wantErr: "empty"},
		{name: "two lines", file: "42-octocat", content: "one\ntwo\n", wantErr: "more than one line"},
		{name: "blank second line", file: "42-octocat", content: "one\n\n", wantErr: "more than one line"},
		{name: "CRLF", file: "42-octocat", content: "one\r\n", wantErr: "more than one line"},
		{name: "trailing space", file: "42-octocat", content: "one \n", wantErr: "trailing spaces"},
		{name: "leading space", file: "42-octocat", content: " one\n", wantErr: "leading"},
		{name: "list marker", file: "42-octocat", content: "- one\n", wantErr: "list marker"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFragment(tt.file, []byte(tt.content))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), tt.file, "the error names the file")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func make40(c byte) []byte {
	b := make([]byte, 40)
	for i := range b {
		b[i] = c
	}
	return b
}

func TestReadFragments(t *testing.T) {
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []Fragment
		wantErr []string
	}{
		{
			name: "sorted by PR then user, .gitkeep skipped",
			files: fstest.MapFS{
				"changelogs/unreleased/12-bob":   {Data: []byte("Second\n")},
				"changelogs/unreleased/3-alice":  {Data: []byte("First\n")},
				"changelogs/unreleased/12-alice": {Data: []byte("Also second\n")},
				"changelogs/unreleased/.gitkeep": {Data: nil},
			},
			want: []Fragment{{3, "alice", "First"}, {12, "alice", "Also second"}, {12, "bob", "Second"}},
		},
		{name: "missing directory", files: fstest.MapFS{"README.md": {}}},
		{
			name: "every bad fragment reported",
			files: fstest.MapFS{
				"changelogs/unreleased/1-ok":       {Data: []byte("Fine\n")},
				"changelogs/unreleased/notes.txt":  {Data: []byte("x\n")},
				"changelogs/unreleased/2-empty":    {Data: nil},
				"changelogs/unreleased/sub/3-deep": {Data: []byte("x\n")},
			},
			wantErr: []string{`"notes.txt"`, `"2-empty": empty`, "sub: a directory"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadFragments(tt.files, UnreleasedDir)
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, want := range tt.wantErr {
					assert.Contains(t, err.Error(), want)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFragmentsFor(t *testing.T) {
	files := fstest.MapFS{
		"changelogs/unreleased/5-new":  {Data: []byte("New\n")},
		"changelogs/v1.0.0/4-released": {Data: []byte("Old\n")},
	}
	tests := []struct {
		version string
		want    []Fragment
	}{
		{version: "v1.0.0", want: []Fragment{{4, "released", "Old"}}},
		{version: "v1.1.0", want: []Fragment{{5, "new", "New"}}},
		{version: "v1.0.0-3-gabcdef-dirty", want: []Fragment{{5, "new", "New"}}},
	}
	for _, tt := range tests {
		t.Run(tt.version, func(t *testing.T) {
			got, err := FragmentsFor(files, tt.version)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
