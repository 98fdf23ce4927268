package emulator_test

import (
	"bytes"
	"crypto/sha256"
	"hash/crc64"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestUploaderMultipart(t *testing.T) {
	for _, sig := range signatureVersions {
		t.Run(sig.name, func(t *testing.T) {
			srv := newServer(t)
			c := newClient(srv.URL, func(cfg *oss.Config) { cfg.WithSignatureVersion(sig.version) })
			const size = 20<<20 + 12345
			body := newStream(size, 42)
			res, err := c.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 5 << 20; o.ParallelNum = 4 }).
				UploadFrom(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("backups/big.tar.gz"),
					ServerSideEncryption: oss.Ptr("AES256")}, body)
			require.NoError(t, err, "the uploader checks the combined part CRCs against the server's")
			assert.Equal(t, strconv.FormatUint(body.crc, 10), oss.ToString(res.HashCRC64))

			info, err := srv.OSS().ObjectInfo(testBucket, "backups/big.tar.gz")
			require.NoError(t, err)
			assert.Equal(t, int64(size), info.Size)
			assert.Equal(t, body.crc, info.CRC64)
			assert.Equal(t, "Multipart", info.ObjectType)
			assert.Equal(t, "AES256", info.ServerSideEncryption)
			assert.Regexp(t, `^"[0-9A-F]{32}-5"$`, info.ETag)

			get, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("backups/big.tar.gz")})
			require.NoError(t, err)
			h, crc := sha256.New(), crc64.New(crcTable)
			n, err := io.Copy(io.MultiWriter(h, crc), get.Body)
			require.NoError(t, err)
			assert.Equal(t, int64(size), n)
			assert.Equal(t, body.crc, crc.Sum64())
			want := sha256.New()
			_, _ = io.Copy(want, newStream(size, 42))
			assert.Equal(t, want.Sum(nil), h.Sum(nil))
			assert.Equal(t, "Multipart", oss.ToString(get.ObjectType))

			uploads, err := srv.OSS().ListUploads(testBucket)
			require.NoError(t, err)
			assert.Empty(t, uploads, "a completed upload leaves nothing behind")
			assert.Equal(t, 5, srv.OSS().Stats().Operations["UploadPart"])
		})
	}
}

func TestMultipartValidation(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)
	key := oss.Ptr("mp/ü key+1")
	init, err := c.InitiateMultipartUpload(ctx(t), &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: key,
		Metadata: map[string]string{"origin": "test"}})
	require.NoError(t, err)
	assert.Equal(t, oss.ToString(key), oss.ToString(init.Key), "key decoded from encoding-type=url")
	id := init.UploadId

	part := func(n int32, data []byte) *oss.UploadPartResult {
		res, err := c.UploadPart(ctx(t), &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: key, UploadId: id,
			PartNumber: n, Body: bytes.NewReader(data)})
		require.NoError(t, err)
		assert.Equal(t, strconv.FormatUint(crc64.Checksum(data, crcTable), 10), oss.ToString(res.HashCRC64))
		return res
	}
	small := part(1, []byte("tiny"))
	big1 := randomBytes(100<<10, 1)
	big := part(2, big1)
	last := part(3, []byte("tail"))

	listed, err := c.ListParts(ctx(t), &oss.ListPartsRequest{Bucket: oss.Ptr(testBucket), Key: key, UploadId: id})
	require.NoError(t, err)
	require.Len(t, listed.Parts, 3)
	assert.Equal(t, int64(100<<10), listed.Parts[1].Size)
	ups, err := c.ListMultipartUploads(ctx(t), &oss.ListMultipartUploadsRequest{Bucket: oss.Ptr(testBucket)})
	require.NoError(t, err)
	require.Len(t, ups.Uploads, 1)
	assert.Equal(t, oss.ToString(key), oss.ToString(ups.Uploads[0].Key))

	complete := func(parts ...oss.UploadPart) error {
		_, err := c.CompleteMultipartUpload(ctx(t), &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: key,
			UploadId: id, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: parts}})
		return err
	}
	p := func(n int32, etag *string) oss.UploadPart { return oss.UploadPart{PartNumber: n, ETag: etag} }
	assert.Equal(t, "EntityTooSmall", serviceError(t, complete(p(1, small.ETag), p(2, big.ETag))).Code)
	assert.Equal(t, "InvalidPart", serviceError(t, complete(p(2, big.ETag), p(3, small.ETag))).Code, "etag mismatch")
	assert.Equal(t, "InvalidPart", serviceError(t, complete(p(2, big.ETag), p(4, last.ETag))).Code, "unknown part")

	// Parts may be skipped; the object is the listed ones in order.
	require.NoError(t, complete(p(2, big.ETag), p(3, last.ETag)))
	data, meta, err := srv.OSS().Object(testBucket, oss.ToString(key))
	require.NoError(t, err)
	assert.Equal(t, append(append([]byte{}, big1...), "tail"...), data)
	assert.Equal(t, crc64.Checksum(data, crcTable), meta.CRC64, "combined CRC equals the CRC of the bytes")
	assert.Equal(t, map[string]string{"origin": "test"}, meta.UserMeta, "initiate attributes apply to the object")

	_, err = c.UploadPart(ctx(t), &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: key, UploadId: id, PartNumber: 1,
		Body: strings.NewReader("late")})
	assert.Equal(t, "NoSuchUpload", serviceError(t, err).Code, "a completed upload takes no more parts")
}

func TestMultipartAbort(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)
	init, err := c.InitiateMultipartUpload(ctx(t), &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k")})
	require.NoError(t, err)
	_, err = c.UploadPart(ctx(t), &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), UploadId: init.UploadId,
		PartNumber: 1, Body: strings.NewReader("data")})
	require.NoError(t, err)
	ups, err := srv.OSS().ListUploads(testBucket)
	require.NoError(t, err)
	require.Len(t, ups, 1)
	assert.Equal(t, 1, ups[0].Parts)

	res, err := c.AbortMultipartUpload(ctx(t), &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"),
		UploadId: init.UploadId})
	require.NoError(t, err)
	assert.Equal(t, http.StatusNoContent, res.StatusCode)
	ups, err = srv.OSS().ListUploads(testBucket)
	require.NoError(t, err)
	assert.Empty(t, ups)

	_, err = c.AbortMultipartUpload(ctx(t), &oss.AbortMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"),
		UploadId: init.UploadId})
	se := serviceError(t, err)
	assert.Equal(t, 404, se.StatusCode)
	assert.Equal(t, "NoSuchUpload", se.Code)
	_, err = c.UploadPart(ctx(t), &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), UploadId: oss.Ptr("nope"),
		PartNumber: 1, Body: strings.NewReader("data")})
	assert.Equal(t, "NoSuchUpload", serviceError(t, err).Code)
	_, err = c.UploadPart(ctx(t), &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k"), UploadId: init.UploadId,
		PartNumber: 10001, Body: strings.NewReader("data")})
	assert.Equal(t, "InvalidArgument", serviceError(t, err).Code)
}
