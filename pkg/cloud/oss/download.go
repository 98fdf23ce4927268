package oss

import (
	"context"
	"fmt"
	"hash"
	"hash/crc64"
	"io"
	"strconv"

	ossdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

var crcTable = crc64.MakeTable(crc64.ECMA)

func (c *client) GetObject(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	// The body outlives this call (Velero reads it later), so the context is cancelled by Close, and
	// a stalled transfer is cut by the transport's idle timeout rather than a total deadline.
	ctx, cancel := context.WithCancel(ctx)
	res, err := c.sdk.GetObject(ctx, &ossdk.GetObjectRequest{Bucket: &bucket, Key: &key})
	if err != nil {
		cancel()
		return nil, classify("GetObject", bucket+"/"+key, err)
	}
	want, hasCRC := uint64(0), false
	if res.HashCRC64 != nil {
		if v, perr := strconv.ParseUint(*res.HashCRC64, 10, 64); perr == nil {
			want, hasCRC = v, true
		}
	}
	return &verifyingReader{
		body: res.Body, cancel: cancel, hash: crc64.New(crcTable),
		want: want, check: hasCRC, resource: bucket + "/" + key, requestID: res.Headers.Get("x-oss-request-id"),
	}, nil
}

// verifyingReader checks CRC-64 end to end: a body cut short or altered in flight fails at EOF instead
// of handing Velero a corrupt backup.
type verifyingReader struct {
	body      io.ReadCloser
	cancel    context.CancelFunc
	hash      hash.Hash64
	want      uint64
	check     bool
	resource  string
	requestID string
}

func (r *verifyingReader) Read(p []byte) (int, error) {
	n, err := r.body.Read(p)
	r.hash.Write(p[:n])
	if err == io.EOF && r.check && r.hash.Sum64() != r.want {
		return n, &cloud.Error{
			Service: "oss", Operation: "GetObject", Resource: r.resource, Kind: cloud.ErrIntegrity,
			Message:   fmt.Sprintf("crc64 %d of the data read does not match %d stored", r.hash.Sum64(), r.want),
			RequestID: r.requestID,
		}
	}
	if err != nil && err != io.EOF {
		return n, classify("GetObject", r.resource, err)
	}
	return n, err
}

func (r *verifyingReader) Close() error {
	defer r.cancel()
	return r.body.Close()
}
