package emulator_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
)

func TestRetriedFaultOnUploadPart(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL)
	srv.Faults().Add(faults.Fault{Service: "oss", Operation: "UploadPart", Status: 503, Code: "ServiceUnavailable", Count: 2})
	body := newStream(3<<20, 9)
	_, err := c.NewUploader(func(o *oss.UploaderOptions) { o.PartSize = 1 << 20; o.ParallelNum = 2 }).
		UploadFrom(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("retried")}, body)
	require.NoError(t, err, "the SDK retries 503s")

	info, err := srv.OSS().ObjectInfo(testBucket, "retried")
	require.NoError(t, err)
	assert.Equal(t, body.crc, info.CRC64)
	stats := srv.OSS().Stats()
	assert.Equal(t, 3+2, stats.Operations["UploadPart"], "three parts plus two failed attempts")
	assert.Equal(t, 2, stats.Errors["ServiceUnavailable"])
	active := srv.Faults().List()
	require.Len(t, active, 1)
	assert.Equal(t, 2, active[0].Fired)
}

func TestFaultWithoutRetrySurfacesServiceError(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)
	srv.Faults().Add(faults.Fault{Operation: "GetBucketInfo", Code: "InternalError", Message: "disk on fire"})
	_, err := c.GetBucketInfo(ctx(t), &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	se := serviceError(t, err)
	assert.Equal(t, 500, se.StatusCode, "status derived from the code")
	assert.Equal(t, "InternalError", se.Code)
	assert.Equal(t, "disk on fire", se.Message)

	srv.Faults().Clear()
	srv.Faults().Add(faults.Fault{Operation: "HeadObject", Status: 503})
	_, err = c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k")})
	se = serviceError(t, err)
	assert.Equal(t, 503, se.StatusCode)
	assert.Equal(t, "ServiceUnavailable", se.Code, "code derived from the status, carried in x-oss-err for HEAD")
}

func TestResetMidBodyOnPutObject(t *testing.T) {
	srv := newServer(t, func(o *emulator.Options) { o.DataDir = t.TempDir() })
	c := newClient(srv.URL, noRetry)
	srv.Faults().Add(faults.Fault{Operation: "PutObject", ResetMidBody: true, Count: 1})
	data := randomBytes(4<<20, 5)
	_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("torn"), Body: bytes.NewReader(data)})
	require.Error(t, err)
	var se *oss.ServiceError
	assert.False(t, errors.As(err, &se), "a reset is a transport error, not a service answer: %v", err)
	_, err = srv.OSS().ObjectInfo(testBucket, "torn")
	assert.Error(t, err, "no half object is visible")
	tmp, err := os.ReadDir(filepath.Join(srv.DataDir(), "oss", "buckets", testBucket, "tmp"))
	require.NoError(t, err)
	assert.Empty(t, tmp, "nothing of the torn upload is kept")

	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("torn"), Body: bytes.NewReader(data)})
	require.NoError(t, err, "the fault fired once")
}

func TestResetMidBodyOnGetObject(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)
	data := randomBytes(1<<20, 6)
	_, err := srv.OSS().PutObject(testBucket, "k", data)
	require.NoError(t, err)
	srv.Faults().Add(faults.Fault{Operation: "GetObject", ResetMidBody: true})
	res, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("k")})
	require.NoError(t, err, "headers arrive intact")
	assert.Equal(t, int64(len(data)), res.ContentLength)
	got, err := io.ReadAll(res.Body)
	require.Error(t, err, "the body stops short")
	assert.Less(t, len(got), len(data))
	assert.Equal(t, data[:len(got)], got, "what did arrive is the object's prefix")
}

func TestFaultLatencyAndProbability(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL, noRetry)
	srv.Faults().Add(faults.Fault{Operation: "ListObjectsV2", Latency: 150 * time.Millisecond})
	start := time.Now()
	_, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket)})
	require.NoError(t, err, "a latency-only fault delays but succeeds")
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	srv.Faults().Clear()
	srv.Faults().Add(faults.Fault{Operation: "GetBucketInfo", Status: 500, Probability: 0.5})
	failures := 0
	for i := 0; i < 200; i++ {
		if _, err := c.GetBucketInfo(ctx(t), &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)}); err != nil {
			failures++
		}
	}
	assert.InDelta(t, 100, failures, 40, "about half fail")

	srv.Faults().Clear()
	srv.Faults().Add(faults.Fault{Service: "ecs", Status: 500})
	_, err = c.GetBucketInfo(ctx(t), &oss.GetBucketInfoRequest{Bucket: oss.Ptr(testBucket)})
	assert.NoError(t, err, "a fault for another service does not touch OSS")
}

func TestNetworkShapingSlowsTransfers(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL)
	const rate = 768 << 10
	const size = 768 << 10
	data := randomBytes(size, 8)

	srv.Faults().SetNetwork(0, rate)
	start := time.Now()
	_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("slow"), Body: bytes.NewReader(data)})
	require.NoError(t, err)
	upload := time.Since(start)
	start = time.Now()
	res, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("slow")})
	require.NoError(t, err)
	_, err = io.Copy(io.Discard, res.Body)
	require.NoError(t, err)
	download := time.Since(start)
	// The cap allows size/rate = 1 s each way; the margin covers the initial burst allowance.
	floor := time.Duration(float64(size) / rate * 0.75 * float64(time.Second))
	assert.GreaterOrEqual(t, upload, floor, "upload is capped")
	assert.GreaterOrEqual(t, download, floor, "download is capped")

	srv.Faults().SetNetwork(100*time.Millisecond, 0)
	start = time.Now()
	for i := 0; i < 3; i++ {
		_, err := c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("slow")})
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond, "each request pays its round trip")

	srv.Faults().SetNetwork(0, 0)
	start = time.Now()
	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("fast"), Body: bytes.NewReader(data)})
	require.NoError(t, err)
	t.Logf("768 KiB: shaped upload %v, download %v; unshaped upload %v", upload, download, time.Since(start))
}

func TestPersistenceAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	opts := func(o *emulator.Options) { o.DataDir = dir }
	srv := newServer(t, opts)
	c := newClient(srv.URL)
	_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("backups/b1/a b+c.json"),
		Body: strings.NewReader(`{"ok":true}`), ServerSideEncryption: oss.Ptr("KMS"), Metadata: map[string]string{"k": "v"}})
	require.NoError(t, err)
	init, err := c.InitiateMultipartUpload(ctx(t), &oss.InitiateMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("mp")})
	require.NoError(t, err)
	part := randomBytes(200<<10, 4)
	p1, err := c.UploadPart(ctx(t), &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("mp"), UploadId: init.UploadId,
		PartNumber: 1, Body: bytes.NewReader(part)})
	require.NoError(t, err)
	require.NoError(t, srv.OSS().CreateBucket("offline-bucket"))
	require.NoError(t, srv.OSS().SetBucketOnline("offline-bucket", false))
	before, err := srv.OSS().ObjectInfo(testBucket, "backups/b1/a b+c.json")
	require.NoError(t, err)
	require.NoError(t, srv.Close())

	again := newServer(t, opts)
	c = newClient(again.URL, noRetry)
	after, err := again.OSS().ObjectInfo(testBucket, "backups/b1/a b+c.json")
	require.NoError(t, err)
	assert.Equal(t, before.ETag, after.ETag)
	assert.Equal(t, before.CRC64, after.CRC64)
	assert.Equal(t, "KMS", after.ServerSideEncryption)
	assert.Equal(t, map[string]string{"k": "v"}, after.UserMeta)
	assert.True(t, before.LastModified.Equal(after.LastModified))
	res, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("backups/b1/a b+c.json")})
	require.NoError(t, err)
	got, _ := io.ReadAll(res.Body)
	assert.Equal(t, `{"ok":true}`, string(got))

	// The upload continues where it stopped.
	p2, err := c.UploadPart(ctx(t), &oss.UploadPartRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("mp"), UploadId: init.UploadId,
		PartNumber: 2, Body: strings.NewReader("end")})
	require.NoError(t, err)
	_, err = c.CompleteMultipartUpload(ctx(t), &oss.CompleteMultipartUploadRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("mp"),
		UploadId: init.UploadId, CompleteMultipartUpload: &oss.CompleteMultipartUpload{Parts: []oss.UploadPart{
			{PartNumber: 1, ETag: p1.ETag}, {PartNumber: 2, ETag: p2.ETag}}}})
	require.NoError(t, err)
	data, _, err := again.OSS().Object(testBucket, "mp")
	require.NoError(t, err)
	assert.Equal(t, append(part, "end"...), data)

	_, err = c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr("offline-bucket")})
	assert.Equal(t, "NoSuchBucket", serviceError(t, err).Code, "offline survives a restart")
}
