package oss

import (
	"context"
	"io"

	ossdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	osscreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// Baseline is what a plugin that hands Velero's reader to the SDK does: one streamed PutObject of the
// whole object, V4 signatures and CRC-64 checked, with the SDK's own transport. The upload benchmark
// measures our upload against it; it lives here because only pkg/cloud imports the SDKs.
type Baseline struct{ sdk *ossdk.Client }

// NewBaseline returns a baseline client of endpoint with a static key.
func NewBaseline(endpoint, region, accessKeyID, accessKeySecret string) *Baseline {
	return &Baseline{sdk: ossdk.NewClient(ossdk.LoadDefaultConfig().
		WithRegion(region).
		WithEndpoint(endpoint).
		WithCredentialsProvider(osscreds.NewStaticCredentialsProvider(accessKeyID, accessKeySecret)).
		WithSignatureVersion(ossdk.SignatureVersionV4))}
}

// Put uploads body as key in one PutObject.
func (b *Baseline) Put(ctx context.Context, bucket, key string, body io.Reader) error {
	_, err := b.sdk.PutObject(ctx, &ossdk.PutObjectRequest{Bucket: &bucket, Key: &key, Body: body,
		ContentType: ossdk.Ptr(contentType)})
	return classify("PutObject", bucket+"/"+key, err)
}

// Delete removes key.
func (b *Baseline) Delete(ctx context.Context, bucket, key string) error {
	_, err := b.sdk.DeleteObject(ctx, &ossdk.DeleteObjectRequest{Bucket: &bucket, Key: &key})
	return classify("DeleteObject", bucket+"/"+key, err)
}
