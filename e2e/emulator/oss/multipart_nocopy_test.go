package oss

import (
	"context"
	"hash/crc64"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	sdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Completing a 64-part upload copies no data: the object's files are the part files themselves (same
// inodes). It reads back whole and in ranges across part boundaries, survives a restart, shares its files
// with a copy, and a delete frees them.
func TestCompleteMultipartUploadCopiesNoData(t *testing.T) {
	dir := t.TempDir()
	s, c := mpServer(t, dir)
	require.NoError(t, s.CreateBucket("bkt"))
	data := randomData((mpParts-1)*mpPartSize+mpLastPart, 1)
	id, parts := uploadParts(t, c, "big", data)
	before := partFiles(t, s, id)

	res, err := complete(c, "big", id, parts, false)
	require.NoError(t, err)
	etag, crc := wantMultipart(data)
	assert.Equal(t, etag, *res.ETag)
	assert.Equal(t, strconv.FormatUint(crc, 10), *res.HashCRC64)
	after := objectFiles(t, s, "big")
	require.Len(t, after, mpParts)
	for i := range after {
		assert.True(t, os.SameFile(before[i], after[i]), "the object's file %d is part %d, not a copy", i+1, i+1)
	}
	ups, err := s.ListUploads("bkt")
	require.NoError(t, err)
	assert.Empty(t, ups)
	assertNoTemporaryFiles(t, s)

	readsBack := func(c *sdk.Client) {
		t.Helper()
		assert.Equal(t, crc, crc64.Checksum(getRange(t, c, "big", 0, -1), crcTable), "GET of the whole object")
		n := len(data)
		for _, r := range [][2]int{{0, 0}, {mpPartSize - 1, mpPartSize}, {mpPartSize - 10, 3*mpPartSize + 9},
			{5 * mpPartSize, 6*mpPartSize - 1}, {n - mpLastPart - 1, n - 1}, {n - 1, n - 1}, {7, n - 8}} {
			assert.Equal(t, data[r[0]:r[1]+1], getRange(t, c, "big", r[0], r[1]), "range %d-%d", r[0], r[1])
		}
		head, err := c.HeadObject(context.Background(), &sdk.HeadObjectRequest{Bucket: sdk.Ptr("bkt"), Key: sdk.Ptr("big")})
		require.NoError(t, err)
		assert.Equal(t, int64(n), head.ContentLength)
		assert.Equal(t, etag, *head.ETag)
		assert.Equal(t, "Multipart", *head.ObjectType)
	}
	readsBack(c)

	require.NoError(t, s.Close())
	s, c = mpServer(t, dir)
	readsBack(c)
	for i, fi := range objectFiles(t, s, "big") {
		assert.True(t, os.SameFile(before[i], fi), "reloaded from the same files")
	}

	_, err = c.CopyObject(context.Background(), &sdk.CopyObjectRequest{Bucket: sdk.Ptr("bkt"), Key: sdk.Ptr("copy"),
		SourceKey: sdk.Ptr("big")})
	require.NoError(t, err)
	copied := objectFiles(t, s, "copy")
	require.Len(t, copied, mpParts)
	assert.True(t, os.SameFile(before[10], copied[10]), "a copy shares the parts too")

	_, err = c.DeleteObject(context.Background(), &sdk.DeleteObjectRequest{Bucket: sdk.Ptr("bkt"), Key: sdk.Ptr("big")})
	require.NoError(t, err)
	got, _, err := s.Object("bkt", "copy")
	require.NoError(t, err)
	assert.Equal(t, crc, crc64.Checksum(got, crcTable), "deleting the source leaves the copy whole")
	_, err = c.DeleteObject(context.Background(), &sdk.DeleteObjectRequest{Bucket: sdk.Ptr("bkt"), Key: sdk.Ptr("copy")})
	require.NoError(t, err)
	assert.Empty(t, dataFilesUnder(t, s.buckets["bkt"].dir), "deleting the last object that uses the parts frees them")
}

// A Complete that fails at its commit (here: x-oss-forbid-overwrite on an existing key) leaves the upload
// as it was, whether its parts were staged by hard links or, where the file system refuses links, moved.
func TestFailedCompleteKeepsTheUpload(t *testing.T) {
	for _, links := range []bool{true, false} {
		t.Run("links="+strconv.FormatBool(links), func(t *testing.T) {
			if !links {
				linkFile = func(string, string) error { return os.ErrPermission }
				t.Cleanup(func() { linkFile = os.Link })
			}
			s, c := mpServer(t, t.TempDir())
			require.NoError(t, s.CreateBucket("bkt"))
			_, err := s.PutObject("bkt", "big", []byte("already here"))
			require.NoError(t, err)
			data := randomData((mpParts-1)*mpPartSize+mpLastPart, 2)
			id, parts := uploadParts(t, c, "big", data)
			before := partFiles(t, s, id)

			_, err = complete(c, "big", id, parts, true)
			var se *sdk.ServiceError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, "FileAlreadyExists", se.Code)
			for i, fi := range partFiles(t, s, id) {
				assert.True(t, os.SameFile(before[i], fi), "part %d is back in its upload", i+1)
			}
			assertNoTemporaryFiles(t, s)

			_, err = complete(c, "big", id, parts, false)
			require.NoError(t, err)
			for i, fi := range objectFiles(t, s, "big") {
				assert.True(t, os.SameFile(before[i], fi), "the object's file %d is part %d", i+1, i+1)
			}
			_, crc := wantMultipart(data)
			assert.Equal(t, crc, crc64.Checksum(getRange(t, c, "big", 0, -1), crcTable))
			assert.Len(t, dataFilesUnder(t, s.buckets["bkt"].dir), mpParts, "the old content is gone, no part is left twice")
		})
	}
}

func assertNoTemporaryFiles(t *testing.T, s *Service) {
	t.Helper()
	tmp, err := os.ReadDir(s.buckets["bkt"].tmpDir())
	require.NoError(t, err)
	assert.Empty(t, tmp, "no temporary file is left behind")
}

// dataFilesUnder lists every data file under dir, objects' and uploads' alike.
func dataFilesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && filepath.Ext(path) == ".data" {
			out = append(out, path)
		}
		return err
	}))
	return out
}
