package emulator_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	emuoss "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/oss"
)

func TestObjectRoundTrip(t *testing.T) {
	keys := []string{"backups/b1/velero-backup.json", "dir with spaces/a+b=c&d.tar.gz", "ünï/cödé/日本語.txt", "x"}
	for _, sig := range []struct {
		name   string
		mutate func(*oss.Config)
	}{{"v4", func(*oss.Config) {}}, {"v1", v1}} {
		t.Run(sig.name, func(t *testing.T) {
			srv := newServer(t)
			c := newClient(srv.URL, sig.mutate)
			for i, key := range keys {
				data := randomBytes(1000+i*777, byte(i))
				sum := md5.Sum(data)
				put, err := c.PutObject(ctx(t), &oss.PutObjectRequest{
					Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: bytes.NewReader(data),
					ContentType: oss.Ptr("application/x-tar"), ServerSideEncryption: oss.Ptr("KMS"),
					ServerSideEncryptionKeyId: oss.Ptr("kms-key-1"), Metadata: map[string]string{"Backup": "b1"},
				})
				require.NoError(t, err, key)
				wantETag := `"` + strings.ToUpper(hex.EncodeToString(sum[:])) + `"`
				assert.Equal(t, wantETag, oss.ToString(put.ETag))
				assert.Equal(t, strconv.FormatUint(crc64.Checksum(data, crcTable), 10), oss.ToString(put.HashCRC64))

				head, err := c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
				require.NoError(t, err)
				assert.Equal(t, int64(len(data)), head.ContentLength)
				assert.Equal(t, wantETag, oss.ToString(head.ETag))
				assert.Equal(t, "application/x-tar", oss.ToString(head.ContentType))
				assert.Equal(t, "KMS", oss.ToString(head.ServerSideEncryption))
				assert.Equal(t, "kms-key-1", oss.ToString(head.ServerSideEncryptionKeyId))
				assert.Equal(t, "Normal", oss.ToString(head.ObjectType))
				assert.Equal(t, map[string]string{"backup": "b1"}, head.Metadata)
				assert.NotNil(t, head.LastModified)

				get, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
				require.NoError(t, err)
				got, err := io.ReadAll(get.Body)
				require.NoError(t, get.Body.Close())
				require.NoError(t, err)
				assert.Equal(t, data, got)
				assert.Equal(t, oss.ToString(put.HashCRC64), oss.ToString(get.HashCRC64))

				info, err := srv.OSS().ObjectInfo(testBucket, key)
				require.NoError(t, err)
				assert.Equal(t, crc64.Checksum(data, crcTable), info.CRC64)
				assert.Equal(t, "kms-key-1", info.ServerSideEncryptionKeyID)
			}

			res, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
			require.NoError(t, err)
			var listed []string
			for _, o := range res.Contents {
				listed = append(listed, oss.ToString(o.Key))
			}
			assert.ElementsMatch(t, keys, listed)

			for _, key := range keys {
				exists, err := c.IsObjectExist(ctx(t), testBucket, key)
				require.NoError(t, err)
				assert.True(t, exists, key)
				del, err := c.DeleteObject(ctx(t), &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
				require.NoError(t, err)
				assert.Equal(t, http.StatusNoContent, del.StatusCode)
				exists, err = c.IsObjectExist(ctx(t), testBucket, key)
				require.NoError(t, err)
				assert.False(t, exists, key)
			}
			del, err := c.DeleteObject(ctx(t), &oss.DeleteObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("never-existed")})
			require.NoError(t, err, "OSS answers 204 for a missing key")
			assert.Equal(t, http.StatusNoContent, del.StatusCode)
		})
	}
}

func TestRangeReads(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL)
	data := randomBytes(1000, 7)
	_, err := srv.OSS().PutObject(testBucket, "r", data)
	require.NoError(t, err)

	tests := []struct {
		rng, behavior string
		status        int
		want          []byte
		contentRange  string
	}{
		{rng: "bytes=0-9", status: 206, want: data[0:10], contentRange: "bytes 0-9/1000"},
		{rng: "bytes=990-", status: 206, want: data[990:], contentRange: "bytes 990-999/1000"},
		{rng: "bytes=-5", status: 206, want: data[995:], contentRange: "bytes 995-999/1000"},
		{rng: "bytes=0-1000", status: 200, want: data},    // end out of bounds: OSS ignores the range
		{rng: "bytes=1000-2000", status: 200, want: data}, // start out of bounds: ignored too
		{rng: "bytes=5-1", status: 200, want: data},       // inverted: ignored
		{rng: "bytes=0-1,5-6", status: 200, want: data},   // several ranges: not supported, ignored
		{rng: "bytes=0-1000", behavior: "standard", status: 206, want: data, contentRange: "bytes 0-999/1000"},
		{rng: "bytes=1000-", behavior: "standard", status: 416},
	}
	for _, tt := range tests {
		t.Run(tt.rng+"/"+tt.behavior, func(t *testing.T) {
			req := &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("r"), Range: oss.Ptr(tt.rng)}
			if tt.behavior != "" {
				req.RangeBehavior = oss.Ptr(tt.behavior)
			}
			res, err := c.GetObject(ctx(t), req, noRetryOpt)
			if tt.status == 416 {
				se := serviceError(t, err)
				assert.Equal(t, 416, se.StatusCode)
				assert.Equal(t, "InvalidRange", se.Code)
				return
			}
			require.NoError(t, err)
			got, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.contentRange, oss.ToString(res.ContentRange))
		})
	}
}

func noRetryOpt(o *oss.Options) { o.RetryMaxAttempts = oss.Ptr(1) }

func TestMissingKeysAndBuckets(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)

	_, err := c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("missing")})
	se := serviceError(t, err)
	assert.Equal(t, 404, se.StatusCode)
	assert.Equal(t, "NoSuchKey", se.Code, "HEAD carries the error in x-oss-err")
	assert.Equal(t, "0026-00000001", se.EC)
	assert.NotEmpty(t, se.RequestID)

	_, err = c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("missing")})
	se = serviceError(t, err)
	assert.Equal(t, "NoSuchKey", se.Code)
	assert.Contains(t, string(se.Snapshot), "<Key>missing</Key>")

	for name, call := range map[string]func() error{
		"GetObject": func() error {
			_, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("k")})
			return err
		},
		"ListObjectsV2": func() error {
			_, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr("no-such-bucket")})
			return err
		},
		"GetBucketInfo": func() error {
			_, err := c.GetBucketInfo(ctx(t), &oss.GetBucketInfoRequest{Bucket: oss.Ptr("no-such-bucket")})
			return err
		},
		"DeleteObject": func() error {
			_, err := c.DeleteObject(ctx(t), &oss.DeleteObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("k")})
			return err
		},
	} {
		se := serviceError(t, call())
		assert.Equal(t, 404, se.StatusCode, name)
		assert.Equal(t, "NoSuchBucket", se.Code, name)
	}
}

func TestBucketChecks(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL)
	info, err := c.GetBucketInfo(ctx(t), &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	require.NoError(t, err)
	assert.Equal(t, testBucket, oss.ToString(info.BucketInfo.Name))
	assert.Equal(t, "oss-cn-hangzhou", oss.ToString(info.BucketInfo.Location))

	exists, err := c.IsBucketExist(ctx(t), testBucket)
	require.NoError(t, err)
	assert.True(t, exists)
	exists, err = c.IsBucketExist(ctx(t), "no-such-bucket")
	require.NoError(t, err)
	assert.False(t, exists)

	_, err = srv.OSS().PutObject(testBucket, "a/b", []byte("x"))
	require.NoError(t, err)
	v1res, err := c.ListObjects(ctx(t), &oss.ListObjectsRequest{Bucket: oss.Ptr(testBucket), Delimiter: oss.Ptr("/")})
	require.NoError(t, err)
	require.Len(t, v1res.CommonPrefixes, 1)
	assert.Equal(t, "a/", oss.ToString(v1res.CommonPrefixes[0].Prefix))

	_, err = c.PutBucket(ctx(t), &oss.PutBucketRequest{Bucket: oss.Ptr("created-by-sdk")})
	require.NoError(t, err)
	_, err = c.PutBucket(ctx(t), &oss.PutBucketRequest{Bucket: oss.Ptr("created-by-sdk")})
	assert.Equal(t, "BucketAlreadyExists", serviceError(t, err).Code)
	_, err = c.DeleteBucket(ctx(t), &oss.DeleteBucketRequest{Bucket: oss.Ptr(testBucket)})
	assert.Equal(t, "BucketNotEmpty", serviceError(t, err).Code)
	_, err = c.DeleteBucket(ctx(t), &oss.DeleteBucketRequest{Bucket: oss.Ptr("created-by-sdk")})
	require.NoError(t, err)
}

func TestDeleteMultipleObjects(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL)
	keys := []string{"a+b", "c d", "ü/x"}
	for _, k := range keys {
		_, err := srv.OSS().PutObject(testBucket, k, []byte(k))
		require.NoError(t, err)
	}
	var objs []oss.DeleteObject
	for _, k := range append(keys, "missing") {
		objs = append(objs, oss.DeleteObject{Key: oss.Ptr(k)})
	}
	res, err := c.DeleteMultipleObjects(ctx(t), &oss.DeleteMultipleObjectsRequest{Bucket: oss.Ptr(testBucket), Objects: objs})
	require.NoError(t, err)
	var deleted []string
	for _, d := range res.DeletedObjects {
		deleted = append(deleted, oss.ToString(d.Key))
	}
	assert.ElementsMatch(t, append(keys, "missing"), deleted)
	left, err := srv.OSS().ListKeys(testBucket, "")
	require.NoError(t, err)
	assert.Empty(t, left)
}

func TestContentMD5IsVerified(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)
	data := []byte("payload")
	sum := md5.Sum([]byte("something else"))
	_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"),
		Body: bytes.NewReader(data), ContentMD5: oss.Ptr(b64(sum[:]))})
	assert.Equal(t, "InvalidDigest", serviceError(t, err).Code)
	assert.Equal(t, 400, serviceError(t, err).StatusCode)
	assert.Equal(t, "0017-00000503", serviceError(t, err).EC)
	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"),
		Body: bytes.NewReader(data), ContentMD5: oss.Ptr("not-base64!")})
	assert.Equal(t, "InvalidDigest", serviceError(t, err).Code)
	_, err = srv.OSS().ObjectInfo(testBucket, "k")
	assert.ErrorIs(t, err, emuoss.ErrNoSuchKey, "a rejected body is never stored")
	good := md5.Sum(data)
	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"),
		Body: bytes.NewReader(data), ContentMD5: oss.Ptr(b64(good[:]))})
	require.NoError(t, err)
}

func TestBucketOfflineAndOnline(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)
	_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("kept"),
		Body: strings.NewReader("still here")})
	require.NoError(t, err)

	require.NoError(t, srv.OSS().SetBucketOnline(testBucket, false))
	_, err = c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("kept")})
	assert.Equal(t, "NoSuchBucket", serviceError(t, err).Code)
	_, err = c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
	assert.Equal(t, "NoSuchBucket", serviceError(t, err).Code)
	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("new"), Body: strings.NewReader("x")})
	assert.Equal(t, "NoSuchBucket", serviceError(t, err).Code)
	keys, err := srv.OSS().ListKeys(testBucket, "")
	require.NoError(t, err)
	assert.Equal(t, []string{"kept"}, keys, "offline keeps the data")

	require.NoError(t, srv.OSS().SetBucketOnline(testBucket, true))
	res, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("kept")})
	require.NoError(t, err)
	got, _ := io.ReadAll(res.Body)
	assert.Equal(t, "still here", string(got))
}

func TestRequestIDsAreUnique(t *testing.T) {
	srv := newServer(t)
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		resp, err := http.Get(fmt.Sprintf("%s/%s/k%d", srv.URL, testBucket, i))
		require.NoError(t, err)
		_ = resp.Body.Close()
		id := resp.Header.Get("x-oss-request-id")
		require.Len(t, id, 24)
		assert.False(t, seen[id], "duplicate request id %s", id)
		seen[id] = true
	}
}
