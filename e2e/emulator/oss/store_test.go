package oss

import (
	"bytes"
	"fmt"
	"hash/crc64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newTestService(t *testing.T, dir string) *Service {
	t.Helper()
	s, err := New(Config{DataDir: dir})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestLoadSweepsInterruptedWrites(t *testing.T) {
	dir := t.TempDir()
	s := newTestService(t, dir)
	require.NoError(t, s.CreateBucket("bkt"))
	_, err := s.PutObject("bkt", "kept", []byte("kept"))
	require.NoError(t, err)
	_, err = s.PutObject("bkt", "lost-data", []byte("gone"))
	require.NoError(t, err)

	b := s.buckets["bkt"]
	objDir, metaPath := b.objectPaths("kept")
	orphan := filepath.Join(objDir, "orphan.0123.data") // a write that never reached its metadata
	require.NoError(t, os.WriteFile(orphan, []byte("half"), 0o644))
	tmpMeta := metaPath + ".tmp-abcd"
	require.NoError(t, os.WriteFile(tmpMeta, []byte("{"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(b.tmpDir(), "body-123"), []byte("partial body"), 0o644))
	require.NoError(t, os.Remove(b.dataPaths("lost-data", b.objects["lost-data"])[0]))

	again := newTestService(t, dir)
	keys, err := again.ListKeys("bkt", "")
	require.NoError(t, err)
	assert.Equal(t, []string{"kept"}, keys, "an object without data is dropped, not served broken")
	data, _, err := again.Object("bkt", "kept")
	require.NoError(t, err)
	assert.Equal(t, "kept", string(data))
	for _, p := range []string{orphan, tmpMeta, filepath.Join(b.tmpDir(), "body-123")} {
		_, err := os.Stat(p)
		assert.True(t, os.IsNotExist(err), "%s should be swept", p)
	}
}

func TestDeletedBucketsStayDeleted(t *testing.T) {
	dir := t.TempDir()
	s := newTestService(t, dir)
	for _, name := range []string{"gone", "interrupted", "kept"} {
		require.NoError(t, s.CreateBucket(name))
		_, err := s.PutObject(name, "k", []byte(name))
		require.NoError(t, err)
	}
	require.NoError(t, s.DeleteBucket("gone"))
	// A delete that crashed between its rename and its RemoveAll.
	b := s.buckets["interrupted"]
	require.NoError(t, os.Rename(b.dir, b.dir+deletedSuffix+"0000"))

	again := newTestService(t, dir)
	assert.Equal(t, []string{"kept"}, bucketNames(again))
	entries, err := os.ReadDir(filepath.Join(dir, "oss", "buckets"))
	require.NoError(t, err)
	assert.Len(t, entries, 1, "the interrupted delete was finished")
}

func bucketNames(s *Service) []string {
	var out []string
	for _, b := range s.State().Buckets {
		out = append(out, b.Name)
	}
	return out
}

func TestConcurrentWritesAndReadsOfOneKey(t *testing.T) {
	s := newTestService(t, t.TempDir())
	require.NoError(t, s.CreateBucket("bkt"))
	versions := make([][]byte, 8)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte{byte('a' + i)}, 64<<10)
	}
	_, err := s.PutObject("bkt", "k", versions[0])
	require.NoError(t, err)

	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for w := 0; w < 4; w++ {
		wg.Go(func() {
			for i := 0; i < 20; i++ {
				if _, err := s.PutObject("bkt", "k", versions[(w+i)%len(versions)]); err != nil {
					errs <- err
				}
			}
		})
		wg.Go(func() {
			for i := 0; i < 40; i++ {
				f, meta, e := s.openObject("bkt", "k")
				if e != nil {
					errs <- e
					continue
				}
				data, err := io.ReadAll(f.reader())
				_ = f.Close()
				switch {
				case err != nil:
					errs <- err
				case crc64.Checksum(data, crcTable) != meta.CRC64:
					errs <- fmt.Errorf("read %d bytes that do not match the metadata read with them", len(data))
				case !bytes.Equal(data, bytes.Repeat(data[:1], len(data))):
					errs <- fmt.Errorf("read a mix of two versions")
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	files, err := filepath.Glob(filepath.Join(s.buckets["bkt"].dir, "objects", "*", "*.data"))
	require.NoError(t, err)
	assert.Len(t, files, 1, "superseded versions are removed")
}

func TestBucketNamesAndKeys(t *testing.T) {
	for name, ok := range map[string]bool{"abc": true, "a-b-c": true, "ab": false, strings.Repeat("a", 64): false,
		"-ab": false, "ab-": false, "Abc": false, "a_b": false, "a.b": false} {
		assert.Equal(t, ok, validBucketName(name), name)
	}
	for key, ok := range map[string]bool{"a": true, "a/b/c": true, "/a": false, `\a`: false, "\xff": false,
		strings.Repeat("k", 1023): true, strings.Repeat("k", 1024): false} {
		assert.Equal(t, ok, validateKey(key) == nil, "%.20q", key)
	}
	assert.Equal(t, "my-bucket", bucketFromHost("my-bucket.localhost:9400"))
	assert.Equal(t, "my-bucket", bucketFromHost("my-bucket.oss-cn-hangzhou.aliyuncs.com"))
	assert.Equal(t, "", bucketFromHost("oss-cn-hangzhou.aliyuncs.com"))
	assert.Equal(t, "", bucketFromHost("127.0.0.1:9400"))
	assert.Equal(t, "", bucketFromHost("localhost:9400"))
	assert.Equal(t, "", bucketFromHost("[::1]:9400"))
}
