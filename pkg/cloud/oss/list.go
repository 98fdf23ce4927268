package oss

import (
	"context"

	ossdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func (c *client) ListObjects(ctx context.Context, bucket, prefix string) ([]string, error) {
	var keys []string
	err := c.eachPage(ctx, bucket, prefix, "", func(page *ossdk.ListObjectsV2Result) {
		for _, o := range page.Contents {
			keys = append(keys, ossdk.ToString(o.Key))
		}
	})
	return keys, err
}

func (c *client) ListObjectInfos(ctx context.Context, bucket, prefix string) ([]ObjectInfo, error) {
	var infos []ObjectInfo
	err := c.eachPage(ctx, bucket, prefix, "", func(page *ossdk.ListObjectsV2Result) {
		for _, o := range page.Contents {
			info := ObjectInfo{Key: ossdk.ToString(o.Key)}
			if o.LastModified != nil {
				info.LastModified = o.LastModified.UTC()
			}
			infos = append(infos, info)
		}
	})
	return infos, err
}

func (c *client) ListCommonPrefixes(ctx context.Context, bucket, prefix, delimiter string) ([]string, error) {
	var prefixes []string
	err := c.eachPage(ctx, bucket, prefix, delimiter, func(page *ossdk.ListObjectsV2Result) {
		for _, p := range page.CommonPrefixes {
			prefixes = append(prefixes, ossdk.ToString(p.Prefix))
		}
	})
	return prefixes, err
}

// eachPage walks ListObjectsV2 at OSS's maximum page size; the paginator asks for url encoding so
// keys with any byte survive the XML. Each page gets its own timeout, not the whole walk.
func (c *client) eachPage(ctx context.Context, bucket, prefix, delimiter string, fn func(*ossdk.ListObjectsV2Result)) error {
	req := &ossdk.ListObjectsV2Request{Bucket: &bucket, Prefix: &prefix, MaxKeys: listPageSize}
	if delimiter != "" {
		req.Delimiter = &delimiter
	}
	p := c.sdk.NewListObjectsV2Paginator(req)
	for p.HasNext() {
		pageCtx, cancel := c.opContext(ctx)
		page, err := p.NextPage(pageCtx)
		cancel()
		if err != nil {
			return classify("ListObjectsV2", bucket+"/"+prefix, err)
		}
		fn(page)
	}
	return nil
}
