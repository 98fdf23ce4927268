package emulator_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	oldoss "github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	emuoss "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/oss"
)

const otherBucket = "velero-e2e-other"

func withOtherBucket(o *emulator.Options) { o.Buckets = append(o.Buckets, otherBucket) }

// CopyObject through the older SDK, signing V2: the copy has the source's bytes, CRC-64 and ETag, and its
// metadata with COPY or the request's with REPLACE; conditions on the source are honoured.
func TestOldSDKCopyObject(t *testing.T) {
	srv := newServer(t, withOtherBucket)
	src := oldBucket(t, srv.URL, testBucket, oldoss.AuthV2, testSK)
	data := randomBytes(64<<10, 9)
	const srcKey = "src/dir with space/a+b.tar"
	require.NoError(t, src.PutObject(srcKey, bytes.NewReader(data), oldoss.ContentType("application/x-tar"),
		oldoss.Meta("Backup", "b1")))
	srcMeta, err := src.GetObjectDetailedMeta(srcKey)
	require.NoError(t, err)
	etag := srcMeta.Get("ETag")

	tests := []struct {
		name, bucket, key  string
		opts               []oldoss.Option
		wantType, wantMeta string
		wantCode           string
		wantStatus         int
		notModified        bool
	}{
		{name: "same bucket", bucket: testBucket, key: "copy/same", wantType: "application/x-tar", wantMeta: "b1"},
		{name: "other bucket, COPY", bucket: otherBucket, key: "copy/other", opts: []oldoss.Option{oldoss.MetadataDirective(oldoss.MetaCopy)},
			wantType: "application/x-tar", wantMeta: "b1"},
		{name: "REPLACE", bucket: testBucket, key: "copy/replaced", wantType: "text/plain", wantMeta: "b2",
			opts: []oldoss.Option{oldoss.MetadataDirective(oldoss.MetaReplace), oldoss.ContentType("text/plain"), oldoss.Meta("Backup", "b2")}},
		{name: "if-match holds", bucket: testBucket, key: "copy/if-match", opts: []oldoss.Option{oldoss.CopySourceIfMatch(etag)},
			wantType: "application/x-tar", wantMeta: "b1"},
		{name: "if-match fails", bucket: testBucket, key: "copy/if-match-fails", opts: []oldoss.Option{oldoss.CopySourceIfMatch(`"00000000000000000000000000000000"`)},
			wantCode: "PreconditionFailed", wantStatus: 412},
		{name: "if-none-match holds", bucket: testBucket, key: "copy/if-none-match", opts: []oldoss.Option{oldoss.CopySourceIfNoneMatch(`"00000000000000000000000000000000"`)},
			wantType: "application/x-tar", wantMeta: "b1"},
		{name: "if-none-match fails", bucket: testBucket, key: "copy/not-modified", opts: []oldoss.Option{oldoss.CopySourceIfNoneMatch(etag)},
			notModified: true},
		{name: "bad directive", bucket: testBucket, key: "copy/bad", opts: []oldoss.Option{oldoss.MetadataDirective("MOVE")},
			wantCode: "InvalidArgument", wantStatus: 400},
		// Last: it changes the source's metadata, which is how OSS edits metadata in place.
		{name: "onto itself, REPLACE", bucket: testBucket, key: srcKey, wantType: "application/x-tar", wantMeta: "b3",
			opts: []oldoss.Option{oldoss.MetadataDirective(oldoss.MetaReplace), oldoss.ContentType("application/x-tar"), oldoss.Meta("Backup", "b3")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := src.CopyObjectTo(tt.bucket, tt.key, srcKey, tt.opts...)
			switch {
			case tt.wantCode != "":
				se := oldServiceError(t, err)
				assert.Equal(t, tt.wantCode, se.Code)
				assert.Equal(t, tt.wantStatus, se.StatusCode)
			case tt.notModified:
				require.ErrorContains(t, err, "304")
			}
			if tt.wantCode != "" || tt.notModified {
				_, err := srv.OSS().ObjectInfo(tt.bucket, tt.key)
				assert.ErrorIs(t, err, emuoss.ErrNoSuchKey, "nothing was copied")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, etag, res.ETag)
			assert.WithinDuration(t, time.Now(), res.LastModified, time.Minute)

			dst, read := oldBucket(t, srv.URL, tt.bucket, oldoss.AuthV2, testSK), readAndClose(t)
			meta, err := dst.GetObjectDetailedMeta(tt.key)
			require.NoError(t, err)
			assert.Equal(t, crcOf(data), meta.Get("X-Oss-Hash-Crc64ecma"))
			assert.Equal(t, etag, meta.Get("ETag"))
			assert.Equal(t, tt.wantType, meta.Get("Content-Type"))
			assert.Equal(t, tt.wantMeta, meta.Get("X-Oss-Meta-Backup"))
			assert.Equal(t, data, read(dst.GetObject(tt.key)))
		})
	}
}

// A missing source is NoSuchKey (or NoSuchBucket) with 404, and nothing is created.
func TestOldSDKCopyMissingSource(t *testing.T) {
	srv := newServer(t, withOtherBucket)
	b := oldBucket(t, srv.URL, testBucket, oldoss.AuthV2, testSK)
	_, err := b.CopyObject("missing", "copy/of-missing")
	se := oldServiceError(t, err)
	assert.Equal(t, "NoSuchKey", se.Code)
	assert.Equal(t, 404, se.StatusCode)

	_, err = b.CopyObjectFrom("no-such-bucket", "k", "copy/of-missing")
	se = oldServiceError(t, err)
	assert.Equal(t, "NoSuchBucket", se.Code)
	assert.Equal(t, 404, se.StatusCode)

	keys, err := srv.OSS().ListKeys(testBucket, "copy/")
	require.NoError(t, err)
	assert.Empty(t, keys)
}

// The plugin's own SDK copies the same way, with its own escaping of the source key.
func TestCopyObject(t *testing.T) {
	srv := newServer(t, withOtherBucket)
	c := newClient(srv.URL)
	data := randomBytes(10_000, 3)
	const srcKey = "ünï/a+b c%2F.tar"
	put, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(srcKey),
		Body: bytes.NewReader(data), Metadata: map[string]string{"Backup": "b1"}})
	require.NoError(t, err)
	res, err := c.CopyObject(ctx(t), &oss.CopyObjectRequest{Bucket: oss.Ptr(otherBucket), Key: oss.Ptr("copy"),
		SourceBucket: oss.Ptr(testBucket), SourceKey: oss.Ptr(srcKey)})
	require.NoError(t, err)
	assert.Equal(t, oss.ToString(put.HashCRC64), oss.ToString(res.HashCRC64))
	assert.Equal(t, oss.ToString(put.ETag), oss.ToString(res.ETag))

	got, meta, err := srv.OSS().Object(otherBucket, "copy")
	require.NoError(t, err)
	assert.Equal(t, data, got)
	assert.Equal(t, map[string]string{"backup": "b1"}, meta.UserMeta)
}
