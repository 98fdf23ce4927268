package oss

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// content reads its files as one sequence, empty files included, and says io.EOF only at the very end.
func TestContentReadAt(t *testing.T) {
	dir := t.TempDir()
	rec := &objectRecord{}
	for i, part := range []string{"abc", "", "defg", "h"} {
		name := string(rune('1'+i)) + ".data"
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(part), 0o644))
		rec.PartFiles = append(rec.PartFiles, contentFile{Name: name, Size: int64(len(part))})
	}
	c, err := openContent(dir, rec)
	require.NoError(t, err)
	defer c.Close()
	assert.Equal(t, int64(8), c.size())
	all, err := io.ReadAll(c.reader())
	require.NoError(t, err)
	assert.Equal(t, "abcdefgh", string(all))

	tests := []struct {
		off  int64
		n    int
		want string
		eof  bool
	}{
		{off: 0, n: 3, want: "abc"},
		{off: 2, n: 3, want: "cde"},
		{off: 3, n: 4, want: "defg"},
		{off: 6, n: 2, want: "gh"},
		{off: 5, n: 10, want: "fgh", eof: true},
		{off: 8, n: 1, want: "", eof: true},
	}
	for _, tt := range tests {
		p := make([]byte, tt.n)
		n, err := c.ReadAt(p, tt.off)
		assert.Equal(t, tt.want, string(p[:n]), "ReadAt(%d, %d)", tt.off, tt.n)
		if tt.eof {
			assert.ErrorIs(t, err, io.EOF)
		} else {
			assert.NoError(t, err)
		}
	}

	// A data file shorter than its record is an error, not a silent end of the object.
	require.NoError(t, os.Truncate(filepath.Join(dir, "3.data"), 2))
	_, err = c.ReadAt(make([]byte, 8), 0)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}
