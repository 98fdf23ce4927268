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
	// Read one part, then the next: a body that fits in one part goes up in one PUT (one request, and
	// retryable because a bytes.Reader rewinds); anything longer is a multipart upload whose first two
	// parts are these buffers, so no byte is copied twice on the way.
	first := c.parts.get()
	n, err := readPart(body, first)
	if err != nil && !errors.Is(err, io.EOF) {
		c.parts.put(first)
		return classify("PutObject", bucket+"/"+key, fmt.Errorf("read object body: %w", err))
	}
	if errors.Is(err, io.EOF) {
		defer c.parts.put(first)
		return c.putSingle(ctx, bucket, key, first[:n])
	}
	second := c.parts.get()
	m, err := readPart(body, second)
	switch {
	case err != nil && !errors.Is(err, io.EOF):
		c.parts.put(first)
		c.parts.put(second)
		return classify("PutObject", bucket+"/"+key, fmt.Errorf("read object body: %w", err))
	case m == 0: // exactly one part
		c.parts.put(second)
		defer c.parts.put(first)
		return c.putSingle(ctx, bucket, key, first[:n])
	}
	return c.putMultipart(ctx, bucket, key, []filledPart{{first, n}, {second, m}}, !errors.Is(err, io.EOF), body)
}

// readPart fills buf from r. io.EOF means r ended within buf (n may be 0); nil means buf is full and r
// may have more.
func readPart(r io.Reader, buf []byte) (int, error) {
	n, err := io.ReadFull(r, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

func (c *client) putRequest(bucket, key string) *ossdk.PutObjectRequest {
	req := &ossdk.PutObjectRequest{Bucket: &bucket, Key: &key, ContentType: ossdk.Ptr(contentType)}
	req.ServerSideEncryption, req.ServerSideEncryptionKeyId = c.encryption()
	return req
}

// encryption is the server-side encryption every object we write asks for, as the SDK's request
// fields take it: nil leaves a header out.
func (c *client) encryption() (algorithm, kmsKeyID *string) {
	if c.enc.Algorithm != "" {
		algorithm = ossdk.Ptr(c.enc.Algorithm)
	}
	if c.enc.KMSKeyID != "" {
		kmsKeyID = ossdk.Ptr(c.enc.KMSKeyID)
	}
	return algorithm, kmsKeyID
}

// contentType is what every object we write is: Velero's files are tarballs, gzipped JSON and JSON,
// and nobody serves them to a browser.
const contentType = "application/octet-stream"

func (c *client) putSingle(ctx context.Context, bucket, key string, data []byte) error {
	req := c.putRequest(bucket, key)
	req.Body = bytes.NewReader(data)
	// The SDK checks the response's x-oss-hash-crc64ecma against what it sent.
	_, err := c.sdk.PutObject(ctx, req)
	return classify("PutObject", bucket+"/"+key, err)
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
