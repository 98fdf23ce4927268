package oss

import (
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCopySource(t *testing.T) {
	tests := []struct {
		header, bucket, key, code string
	}{
		{"/bkt/dir/obj", "bkt", "dir/obj", ""},
		{"bkt/dir/obj", "bkt", "dir/obj", ""},
		{"/bkt/dir%2Fa%20b", "bkt", "dir/a b", ""},
		{"/bkt/a+b", "bkt", "a b", ""}, // url.QueryEscape, as the older SDK sends it
		{"/bkt/a%2Bb", "bkt", "a+b", ""},
		{"/bkt/%E6%97%A5", "bkt", "日", ""},
		{"/bkt/x?versionId=null", "bkt", "x", ""},
		{"/bkt/x?versionId=CAEQ", "", "", "NoSuchVersion"},
		{"/bkt", "", "", "InvalidArgument"},
		{"/bkt/", "", "", "InvalidArgument"},
		{"/BKT/x", "", "", "InvalidArgument"},
		{"/bkt/%zz", "", "", "InvalidArgument"},
		{"/bkt/%2Fx", "", "", "InvalidObjectName"},
	}
	for _, tt := range tests {
		bucket, key, e := parseCopySource(tt.header)
		if tt.code != "" {
			require.NotNil(t, e, tt.header)
			assert.Equal(t, tt.code, e.code, tt.header)
			continue
		}
		require.Nil(t, e, tt.header)
		assert.Equal(t, tt.bucket, bucket, tt.header)
		assert.Equal(t, tt.key, key, tt.header)
	}
}

// A copy shares the source's data file instead of duplicating it, and stays intact when the source is
// overwritten or deleted.
func TestCopySharesContent(t *testing.T) {
	s, srv := newAuthServer(t)
	require.NoError(t, s.CreateBucket("other"))
	for _, dst := range []struct{ bucket, key string }{{"bkt", "copy"}, {"other", "dir/copy"}} {
		req, err := http.NewRequest(http.MethodPut, srv.URL+"/"+dst.bucket+"/"+dst.key, nil)
		require.NoError(t, err)
		req.Header.Set("x-oss-copy-source", "/bkt/dir%2Fobj")
		sign(t, &signer.SignerV4{}, req, dst.bucket, dst.key, time.Time{})
		resp, body := send(t, req)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		assert.Contains(t, body, "<CopyObjectResult>")

		src, dstFile := dataFile(t, s, "bkt", "dir/obj"), dataFile(t, s, dst.bucket, dst.key)
		assert.True(t, os.SameFile(src, dstFile), "%s/%s is a hard link to the source", dst.bucket, dst.key)
	}

	_, err := s.PutObject("bkt", "dir/obj", []byte("overwritten"))
	require.NoError(t, err)
	data, _, err := s.Object("bkt", "copy")
	require.NoError(t, err)
	assert.Equal(t, "hello", string(data), "overwriting the source leaves the copy alone")
	require.NoError(t, s.removeObject(s.buckets["bkt"], "dir/obj"))
	data, _, err = s.Object("other", "dir/copy")
	require.NoError(t, err)
	assert.Equal(t, "hello", string(data), "deleting the source leaves the copy alone")
	tmp, err := os.ReadDir(s.buckets["other"].tmpDir())
	require.NoError(t, err)
	assert.Empty(t, tmp, "no temporary file is left behind")
}

// Where the file system refuses hard links, the copy is a real copy of the bytes.
func TestCopyWithoutHardLinks(t *testing.T) {
	s, srv := newAuthServer(t)
	linkFile = func(string, string) error { return os.ErrPermission }
	t.Cleanup(func() { linkFile = os.Link })
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/bkt/copy", nil)
	require.NoError(t, err)
	req.Header.Set("x-oss-copy-source", "/bkt/dir/obj")
	sign(t, &signer.SignerV4{}, req, "bkt", "copy", time.Time{})
	resp, body := send(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	assert.False(t, os.SameFile(dataFile(t, s, "bkt", "dir/obj"), dataFile(t, s, "bkt", "copy")))
	data, meta, err := s.Object("bkt", "copy")
	require.NoError(t, err)
	assert.Equal(t, "hello", string(data))
	src, err := s.ObjectInfo("bkt", "dir/obj")
	require.NoError(t, err)
	assert.Equal(t, src.CRC64, meta.CRC64)
}

func dataFile(t *testing.T, s *Service, bucket, key string) os.FileInfo {
	t.Helper()
	s.mu.RLock()
	b := s.buckets[bucket]
	path := b.dataPaths(key, b.objects[key])[0]
	s.mu.RUnlock()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi
}
