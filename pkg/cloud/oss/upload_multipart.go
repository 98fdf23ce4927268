package oss

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"

	ossdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// maxParts is OSS's limit on the parts of one multipart upload.
const maxParts = 10000

// filledPart is a pooled buffer holding n bytes of the object.
type filledPart struct {
	buf []byte
	n   int
}

// sentPart is what CompleteMultipartUpload and the whole-object CRC check need of an uploaded part.
type sentPart struct {
	number int32
	etag   *string
	crc    uint64
	size   int64
	hasCRC bool
}

// putMultipart uploads head, then the rest of body while more, as parts of one multipart upload, up
// to c.parallelism parts at a time. Each part is read once into a pooled buffer and sent from it: the
// SDK computes its CRC-64 while sending and checks it against the one OSS returns, and the CRCs of the
// parts, combined, are checked against the completed object's. A failure aborts the upload.
func (c *client) putMultipart(ctx context.Context, bucket, key string, head []filledPart, more bool, body io.Reader) error {
	target := bucket + "/" + key
	init, err := c.sdk.InitiateMultipartUpload(ctx, c.initiateRequest(bucket, key))
	if err != nil {
		c.release(head)
		return classify("InitiateMultipartUpload", target, err)
	}
	id := ossdk.ToString(init.UploadId)
	parts, op, err := c.uploadParts(ctx, bucket, key, id, head, more, body)
	if err != nil {
		c.abort(bucket, key, id)
		return classify(op, target, err)
	}
	completed, err := c.complete(ctx, bucket, key, id, parts)
	switch {
	case err != nil && completed:
		// The object exists but is not what we sent: remove it, as a failed upload leaves nothing.
		c.removeQuietly(bucket, key)
		return classify("CompleteMultipartUpload", target, err)
	case err != nil:
		c.abort(bucket, key, id)
		return classify("CompleteMultipartUpload", target, err)
	}
	return nil
}

// removeQuietly deletes an object we just wrote wrong; like abort, it is best effort on its own context.
func (c *client) removeQuietly(bucket, key string) {
	ctx, cancel := context.WithTimeout(context.Background(), abortTimeout)
	defer cancel()
	_, _ = c.sdk.DeleteObject(ctx, &ossdk.DeleteObjectRequest{Bucket: &bucket, Key: &key})
}

func (c *client) initiateRequest(bucket, key string) *ossdk.InitiateMultipartUploadRequest {
	req := &ossdk.InitiateMultipartUploadRequest{Bucket: &bucket, Key: &key, ContentType: ossdk.Ptr(contentType)}
	req.ServerSideEncryption, req.ServerSideEncryptionKeyId = c.encryption()
	return req
}

func (c *client) release(parts []filledPart) {
	for _, p := range parts {
		c.parts.put(p.buf)
	}
}

type partJob struct {
	number int32
	part   filledPart
}

// uploadParts reads body part by part while workers send the parts already read. The reader hands a
// part over only when a worker is free, so at most parallelism+1 buffers are in use: one per worker
// and the one being filled. The first error stops both sides; it is returned with the operation that
// failed.
func (c *client) uploadParts(ctx context.Context, bucket, key, id string, head []filledPart, more bool, body io.Reader) ([]sentPart, string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu    sync.Mutex
		sent  []sentPart
		wg    sync.WaitGroup
		jobs  = make(chan partJob)
		errOp = "UploadPart"
	)
	for range c.parallelism {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() == nil {
					p, err := c.uploadPart(ctx, bucket, key, id, j)
					if err != nil {
						cancel(err)
					} else {
						mu.Lock()
						sent = append(sent, p)
						mu.Unlock()
					}
				}
				c.parts.put(j.part.buf)
			}
		}()
	}
	hand := func(j partJob) bool {
		select {
		case jobs <- j:
			return true
		case <-ctx.Done():
			c.parts.put(j.part.buf)
			return false
		}
	}
	number := int32(0)
	for i, p := range head {
		number++
		if !hand(partJob{number, p}) {
			c.release(head[i+1:])
			more = false
			break
		}
	}
	for more && ctx.Err() == nil {
		if number == maxParts {
			errOp = "PutObject"
			cancel(fmt.Errorf("object is longer than %d parts of %d bytes; set a larger upload part size", maxParts, c.partSize))
			break
		}
		buf := c.parts.get()
		n, err := readPart(body, buf)
		if err != nil && !errors.Is(err, io.EOF) {
			c.parts.put(buf)
			errOp = "PutObject"
			cancel(fmt.Errorf("read object body: %w", err))
			break
		}
		more = err == nil
		if n == 0 {
			c.parts.put(buf)
			break
		}
		number++
		hand(partJob{number, filledPart{buf, n}})
	}
	close(jobs)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, errOp, context.Cause(ctx)
	}
	slices.SortFunc(sent, func(a, b sentPart) int { return int(a.number - b.number) })
	return sent, "", nil
}

func (c *client) uploadPart(ctx context.Context, bucket, key, id string, j partJob) (sentPart, error) {
	res, err := c.sdk.UploadPart(ctx, &ossdk.UploadPartRequest{
		Bucket: &bucket, Key: &key, UploadId: &id, PartNumber: j.number,
		Body: bytes.NewReader(j.part.buf[:j.part.n]),
	})
	if err != nil {
		return sentPart{}, fmt.Errorf("part %d: %w", j.number, err)
	}
	p := sentPart{number: j.number, etag: res.ETag, size: int64(j.part.n)}
	// The SDK has already checked this CRC against the bytes it sent.
	if v, err := strconv.ParseUint(ossdk.ToString(res.HashCRC64), 10, 64); err == nil {
		p.crc, p.hasCRC = v, true
	}
	return p, nil
}

// complete completes the upload and checks the object's CRC-64 against the combination of the parts'
// CRCs, which proves OSS assembled the parts we sent in our order. completed says whether the object
// was written, even if it then failed the check.
func (c *client) complete(ctx context.Context, bucket, key, id string, sent []sentPart) (completed bool, err error) {
	parts := make([]ossdk.UploadPart, len(sent))
	var crc uint64
	known := true
	for i, p := range sent {
		parts[i] = ossdk.UploadPart{PartNumber: p.number, ETag: p.etag}
		crc = ossdk.CRC64Combine(crc, p.crc, uint64(p.size))
		known = known && p.hasCRC
	}
	res, err := c.sdk.CompleteMultipartUpload(ctx, &ossdk.CompleteMultipartUploadRequest{
		Bucket: &bucket, Key: &key, UploadId: &id,
		CompleteMultipartUpload: &ossdk.CompleteMultipartUpload{Parts: parts},
	})
	if err != nil {
		return false, err
	}
	if got := ossdk.ToString(res.HashCRC64); known && got != "" && got != strconv.FormatUint(crc, 10) {
		// Worded as the SDK words a part's mismatch, so classify files it as an integrity error.
		return true, fmt.Errorf("completed object: crc is inconsistent, client %d, server %s", crc, got)
	}
	return true, nil
}
