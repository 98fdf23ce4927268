package emulator_test

import (
	"bytes"
	"crypto/md5"
	"errors"
	"hash/crc64"
	"io"
	"net/url"
	"strconv"
	"strings"
	"testing"

	oldoss "github.com/aliyun/aliyun-oss-go-sdk/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	emuoss "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/oss"
)

// The older aliyun-oss-go-sdk is a second client, written independently of the one the plugin uses: it
// signs V2, which the plugin's SDK cannot, escapes keys its own way and checks CRC-64 on every upload, so
// it finds where the emulator disagrees with OSS.

// oldBucket is a bucket handle of the older SDK signing with version and secret.
func oldBucket(t *testing.T, endpoint, bucket string, version oldoss.AuthVersionType, secret string,
	opts ...oldoss.ClientOption) *oldoss.Bucket {
	t.Helper()
	opts = append([]oldoss.ClientOption{oldoss.AuthVersion(version), oldoss.Region("cn-hangzhou")}, opts...)
	c, err := oldoss.New(endpoint, testAK, secret, opts...)
	require.NoError(t, err)
	b, err := c.Bucket(bucket)
	require.NoError(t, err)
	return b
}

// oldServiceError extracts the OSS error the older SDK returned; it returns ServiceError by value.
func oldServiceError(t *testing.T, err error) oldoss.ServiceError {
	t.Helper()
	require.Error(t, err)
	var se oldoss.ServiceError
	require.True(t, errors.As(err, &se), "want oss.ServiceError, got %T: %v", err, err)
	return se
}

func readAndClose(t *testing.T) func(io.ReadCloser, error) []byte {
	return func(rc io.ReadCloser, err error) []byte {
		t.Helper()
		require.NoError(t, err)
		defer rc.Close()
		data, err := io.ReadAll(rc)
		require.NoError(t, err)
		return data
	}
}

func crcOf(data []byte) string {
	c := crc64.Checksum(data, crcTable)
	return strconv.FormatUint(c, 10)
}

// Headers signed on top of the defaults; V2 and V4 list them in AdditionalHeaders.
var signedExtra = oldoss.AdditionalHeaders([]string{"Host", "User-Agent", "Content-Type"})

func TestOldSDKRoundTrip(t *testing.T) {
	srv := newServer(t)
	keys := []string{"backups/b1/velero-backup.json", "dir with spaces/a+b=c&d%2F.tar.gz", "ünï/日本語.txt"}
	for _, tt := range []struct {
		name    string
		version oldoss.AuthVersionType
		opts    []oldoss.ClientOption
	}{
		{"v1", oldoss.AuthV1, nil},
		{"v2", oldoss.AuthV2, nil},
		{"v2-additional-headers", oldoss.AuthV2, []oldoss.ClientOption{signedExtra}},
		{"v4", oldoss.AuthV4, nil},
		{"v4-additional-headers", oldoss.AuthV4, []oldoss.ClientOption{signedExtra}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, read := oldBucket(t, srv.URL, testBucket, tt.version, testSK, tt.opts...), readAndClose(t)
			for i, key := range keys {
				key = tt.name + "/" + key
				data := randomBytes(500+i*333, byte(i))
				// The SDK compares its own CRC-64 with the one in the response.
				require.NoError(t, b.PutObject(key, bytes.NewReader(data), oldoss.ContentType("application/x-tar"),
					oldoss.Meta("Backup", "b1")), key)
				meta, err := b.GetObjectDetailedMeta(key)
				require.NoError(t, err)
				assert.Equal(t, crcOf(data), meta.Get("X-Oss-Hash-Crc64ecma"))
				assert.Equal(t, "application/x-tar", meta.Get("Content-Type"))
				assert.Equal(t, "b1", meta.Get("X-Oss-Meta-Backup"))
				assert.Equal(t, data, read(b.GetObject(key)))

				put, err := b.SignURL(key+".presigned", oldoss.HTTPPut, 60)
				require.NoError(t, err)
				require.NoError(t, b.PutObjectWithURL(put, bytes.NewReader(data)), "presigned PUT %s", key)
				get, err := b.SignURL(key+".presigned", oldoss.HTTPGet, 60)
				require.NoError(t, err)
				assert.Equal(t, data, read(b.GetObjectWithURL(get)), "presigned GET %s", key)
			}
			res, err := b.ListObjectsV2(oldoss.Prefix(tt.name + "/"))
			require.NoError(t, err)
			assert.Len(t, res.Objects, 2*len(keys))
			require.NoError(t, b.DeleteObject(tt.name+"/"+keys[0]))
			_, err = srv.OSS().ObjectInfo(testBucket, tt.name+"/"+keys[0])
			assert.ErrorIs(t, err, emuoss.ErrNoSuchKey)
		})
	}
}

// A V2 signature is verified, not only parsed: a wrong secret, or a signed URL whose expiry was changed,
// is refused.
func TestOldSDKV2Refused(t *testing.T) {
	srv := newServer(t)
	good := oldBucket(t, srv.URL, testBucket, oldoss.AuthV2, testSK)
	bad := oldBucket(t, srv.URL, testBucket, oldoss.AuthV2, "not-the-secret")
	require.NoError(t, good.PutObject("k", strings.NewReader("data")))
	tests := []struct {
		name string
		do   func() error
	}{
		{"header, wrong secret", func() error { _, err := bad.GetObject("k"); return err }},
		{"header with additional headers, wrong secret", func() error {
			b := oldBucket(t, srv.URL, testBucket, oldoss.AuthV2, "not-the-secret", signedExtra)
			return b.PutObject("k2", strings.NewReader("data"))
		}},
		{"presigned, wrong secret", func() error {
			u, err := bad.SignURL("k", oldoss.HTTPGet, 60)
			require.NoError(t, err)
			_, err = good.GetObjectWithURL(u)
			return err
		}},
		{"presigned, expiry changed", func() error {
			u, err := good.SignURL("k", oldoss.HTTPGet, 60)
			require.NoError(t, err)
			parsed, err := url.Parse(u)
			require.NoError(t, err)
			q := parsed.Query()
			exp, err := strconv.ParseInt(q.Get("x-oss-expires"), 10, 64)
			require.NoError(t, err)
			q.Set("x-oss-expires", strconv.FormatInt(exp+3600, 10))
			parsed.RawQuery = q.Encode()
			_, err = good.GetObjectWithURL(parsed.String())
			return err
		}},
	}
	for _, tt := range tests {
		se := oldServiceError(t, tt.do())
		assert.Equal(t, 403, se.StatusCode, tt.name)
		assert.Equal(t, "SignatureDoesNotMatch", se.Code, tt.name)
	}
	_, err := srv.OSS().ObjectInfo(testBucket, "k2")
	assert.ErrorIs(t, err, emuoss.ErrNoSuchKey, "a refused PUT stores nothing")
}

// A body that does not match its Content-MD5 is InvalidDigest, as OSS documents it, on both upload paths.
func TestOldSDKContentMD5Mismatch(t *testing.T) {
	srv := newServer(t)
	b := oldBucket(t, srv.URL, testBucket, oldoss.AuthV2, testSK)
	data := []byte("payload")
	other := md5.Sum([]byte("something else"))
	wrong := oldoss.ContentMD5(b64(other[:]))
	imur, err := b.InitiateMultipartUpload("mp")
	require.NoError(t, err)
	tests := []struct {
		name string
		do   func() error
	}{
		{"PutObject", func() error { return b.PutObject("k", bytes.NewReader(data), wrong) }},
		{"UploadPart", func() error {
			_, err := b.UploadPart(imur, bytes.NewReader(data), int64(len(data)), 1, wrong)
			return err
		}},
	}
	for _, tt := range tests {
		se := oldServiceError(t, tt.do())
		assert.Equal(t, "InvalidDigest", se.Code, tt.name)
		assert.Equal(t, 400, se.StatusCode, tt.name)
		assert.Equal(t, "0017-00000503", se.Ec, tt.name)
	}
	_, err = srv.OSS().ObjectInfo(testBucket, "k")
	assert.ErrorIs(t, err, emuoss.ErrNoSuchKey)
	ups, err := srv.OSS().ListUploads(testBucket)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Zero(t, ups[0].Parts, "the rejected part was not recorded")
}
