package oss

import (
	"bytes"
	"context"

	ossdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

// CreateObject writes a small object only if its key is free. OSS checks x-oss-forbid-overwrite
// atomically with the write, so of two clusters creating one key at once exactly one succeeds: what a
// name claim needs. A taken key fails with an error that errors.Is cloud.ErrAlreadyExists.
func (c *client) CreateObject(ctx context.Context, bucket, key string, data []byte) error {
	ctx, cancel := c.opContext(ctx)
	defer cancel()
	req := c.putRequest(bucket, key)
	req.ForbidOverwrite = ossdk.Ptr("true")
	req.Body = bytes.NewReader(data)
	_, err := c.sdk.PutObject(ctx, req)
	return classify("PutObject", bucket+"/"+key, err)
}
