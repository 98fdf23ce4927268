package oss

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/crc64"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/stretchr/testify/require"
)

const (
	mpParts    = 64
	mpPartSize = minPartSize
	mpLastPart = 12345
)

// mpServer serves a Service on dir through the OSS SDK, as the plugin talks to it.
func mpServer(t *testing.T, dir string) (*Service, *sdk.Client) {
	t.Helper()
	s, err := New(Config{DataDir: dir, Keys: func(id string) (Key, bool) { return Key{Secret: authSK}, id == authAK }})
	require.NoError(t, err)
	srv := httptest.NewServer(s)
	t.Cleanup(func() { srv.Close(); _ = s.Close() })
	c := sdk.NewClient(sdk.LoadDefaultConfig().WithRegion("cn-hangzhou").WithEndpoint(srv.URL).WithRetryMaxAttempts(1).
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(authAK, authSK)))
	return s, c
}

// uploadParts uploads mpParts parts of data to key and returns the upload's ID and completion list.
func uploadParts(t *testing.T, c *sdk.Client, key string, data []byte) (string, []sdk.UploadPart) {
	t.Helper()
	ctx := context.Background()
	init, err := c.InitiateMultipartUpload(ctx, &sdk.InitiateMultipartUploadRequest{Bucket: sdk.Ptr("bkt"), Key: sdk.Ptr(key)})
	require.NoError(t, err)
	var parts []sdk.UploadPart
	for n := 1; n <= mpParts; n++ {
		chunk := data[(n-1)*mpPartSize : min(n*mpPartSize, len(data))]
		res, err := c.UploadPart(ctx, &sdk.UploadPartRequest{Bucket: sdk.Ptr("bkt"), Key: sdk.Ptr(key), UploadId: init.UploadId,
			PartNumber: int32(n), Body: bytes.NewReader(chunk)})
		require.NoError(t, err)
		parts = append(parts, sdk.UploadPart{PartNumber: int32(n), ETag: res.ETag})
	}
	return *init.UploadId, parts
}

func complete(c *sdk.Client, key, id string, parts []sdk.UploadPart, forbidOverwrite bool) (*sdk.CompleteMultipartUploadResult, error) {
	req := &sdk.CompleteMultipartUploadRequest{Bucket: sdk.Ptr("bkt"), Key: sdk.Ptr(key), UploadId: sdk.Ptr(id),
		CompleteMultipartUpload: &sdk.CompleteMultipartUpload{Parts: parts}}
	if forbidOverwrite {
		req.ForbidOverwrite = sdk.Ptr("true")
	}
	return c.CompleteMultipartUpload(context.Background(), req)
}

// partFiles stats the data files of an upload in progress, by part number.
func partFiles(t *testing.T, s *Service, id string) []os.FileInfo {
	t.Helper()
	s.mu.RLock()
	u := s.buckets["bkt"].uploads[id]
	s.mu.RUnlock()
	require.NotNil(t, u)
	out := make([]os.FileInfo, mpParts)
	for n := 1; n <= mpParts; n++ {
		fi, err := os.Stat(filepath.Join(u.dir, u.parts[n].DataFile))
		require.NoError(t, err)
		out[n-1] = fi
	}
	return out
}

// objectFiles stats the data files of an object, in order.
func objectFiles(t *testing.T, s *Service, key string) []os.FileInfo {
	t.Helper()
	s.mu.RLock()
	b := s.buckets["bkt"]
	paths := b.dataPaths(key, b.objects[key])
	s.mu.RUnlock()
	var out []os.FileInfo
	for _, p := range paths {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		out = append(out, fi)
	}
	return out
}

// wantMultipart is the ETag OSS gives the upload (MD5 of the part MD5s, dash, count) and its CRC-64.
func wantMultipart(data []byte) (etag string, crc uint64) {
	sums := md5.New()
	for off := 0; off < len(data); off += mpPartSize {
		sum := md5.Sum(data[off:min(off+mpPartSize, len(data))])
		sums.Write(sum[:])
	}
	return fmt.Sprintf(`"%s-%d"`, strings.ToUpper(hex.EncodeToString(sums.Sum(nil))), mpParts), crc64.Checksum(data, crcTable)
}

func randomData(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(r.Uint32())
	}
	return out
}

// getRange reads [start, end] of key, or all of it when end < 0.
func getRange(t *testing.T, c *sdk.Client, key string, start, end int) []byte {
	t.Helper()
	req := &sdk.GetObjectRequest{Bucket: sdk.Ptr("bkt"), Key: sdk.Ptr(key)}
	if end >= 0 {
		req.Range, req.RangeBehavior = sdk.Ptr(fmt.Sprintf("bytes=%d-%d", start, end)), sdk.Ptr("standard")
	}
	res, err := c.GetObject(context.Background(), req)
	require.NoError(t, err)
	defer res.Body.Close()
	got, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return got
}
