package oss

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	ossdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// abortTimeout bounds the clean-up of a failed multipart upload; it runs on its own context because
// the upload's context may be the reason it failed.
const abortTimeout = 30 * time.Second

func (c *client) PutObject(ctx context.Context, bucket, key string, body io.Reader) error {
	// Read one part ahead: a body of at most a part goes up in one PUT (one request, and retryable
	// because a bytes.Reader rewinds); anything larger streams through the parallel uploader. The
	// look-ahead buffer is pooled, so Velero's many small objects cost no allocation of a part each.
	bufp := c.peekPool.Get().(*[]byte)
	defer c.peekPool.Put(bufp)
	// One byte past a part tells a body of exactly one part from a longer one.
	n, err := io.ReadFull(body, *bufp)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return c.putSingle(ctx, bucket, key, (*bufp)[:n])
	case err != nil:
		return classify("PutObject", bucket+"/"+key, fmt.Errorf("read object body: %w", err))
	}
	return c.putMultipart(ctx, bucket, key, io.MultiReader(bytes.NewReader((*bufp)[:n]), body))
}

func (c *client) putRequest(bucket, key string) *ossdk.PutObjectRequest {
	req := &ossdk.PutObjectRequest{Bucket: &bucket, Key: &key, ContentType: ossdk.Ptr("application/octet-stream")}
	if c.enc.Algorithm != "" {
		req.ServerSideEncryption = ossdk.Ptr(c.enc.Algorithm)
	}
	if c.enc.KMSKeyID != "" {
		req.ServerSideEncryptionKeyId = ossdk.Ptr(c.enc.KMSKeyID)
	}
	return req
}

func (c *client) putSingle(ctx context.Context, bucket, key string, data []byte) error {
	req := c.putRequest(bucket, key)
	req.Body = bytes.NewReader(data)
	// The SDK checks the response's x-oss-hash-crc64ecma against what it sent.
	_, err := c.sdk.PutObject(ctx, req)
	return classify("PutObject", bucket+"/"+key, err)
}

func (c *client) putMultipart(ctx context.Context, bucket, key string, body io.Reader) error {
	// The uploader checks each part's CRC-64 and the combined CRC-64 of the completed object.
	_, err := c.uploader.UploadFrom(ctx, c.putRequest(bucket, key), body)
	if err == nil {
		return nil
	}
	var upErr *ossdk.UploadError
	if errors.As(err, &upErr) && upErr.UploadId != "" {
		c.abort(bucket, key, upErr.UploadId)
	}
	return classify("MultipartUpload", bucket+"/"+key, err)
}

// abort removes the parts of a failed upload so no orphaned, billed parts stay in the bucket. It is
// best effort: the upload's own error is what the caller needs to see.
func (c *client) abort(bucket, key, uploadID string) {
	ctx, cancel := context.WithTimeout(context.Background(), abortTimeout)
	defer cancel()
	_, _ = c.sdk.AbortMultipartUpload(ctx, &ossdk.AbortMultipartUploadRequest{
		Bucket: &bucket, Key: &key, UploadId: &uploadID,
	})
}
