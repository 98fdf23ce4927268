package hbr

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBlobStoreDeduplicates(t *testing.T) {
	dir := t.TempDir()
	b, err := openBlobStore(dir)
	require.NoError(t, err)
	d1, n1, err := b.put(bytes.NewReader([]byte("same bytes")), nil)
	require.NoError(t, err)
	d2, n2, err := b.put(bytes.NewReader([]byte("same bytes")), nil)
	require.NoError(t, err)
	assert.Equal(t, d1, d2)
	assert.EqualValues(t, 10, n1)
	assert.Zero(t, n2, "known content is not written again")
	d3, _, err := b.put(bytes.NewReader([]byte("other")), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 15, b.written.Load())
	assert.EqualValues(t, 15, b.stored())

	stored, err := b.gc(map[string]bool{d3: true})
	require.NoError(t, err)
	assert.EqualValues(t, 5, stored)
	assert.False(t, b.has(d1))
	leftovers, _ := filepath.Glob(filepath.Join(dir, "hbr", "blobs", "put-*"))
	assert.Empty(t, leftovers, "no temporary files stay behind")

	again, err := openBlobStore(dir)
	require.NoError(t, err)
	assert.False(t, again.has(d3), "a new run starts empty: no snapshot holds the old blobs")
	_, err = os.Stat(filepath.Join(dir, "hbr", "blobs"))
	assert.NoError(t, err)
}
