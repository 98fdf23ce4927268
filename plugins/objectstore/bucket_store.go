package objectstore

import (
	"context"
	"fmt"
	"io"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

// bucketStore is the index's view of the location's bucket.
type bucketStore struct {
	client oss.Client
	bucket string
}

// maxIndexObject bounds what a read of the index takes in: a claim is an identity.
const maxIndexObject = 4 << 10

func (s bucketStore) List(ctx context.Context, prefix string) ([]vaultindex.Object, error) {
	infos, err := s.client.ListObjectInfos(ctx, s.bucket, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]vaultindex.Object, len(infos))
	for i, info := range infos {
		out[i] = vaultindex.Object{Key: info.Key, LastModified: info.LastModified}
	}
	return out, nil
}

func (s bucketStore) Create(ctx context.Context, key string, data []byte) error {
	return s.client.CreateObject(ctx, s.bucket, key, data)
}

func (s bucketStore) Get(ctx context.Context, key string) ([]byte, error) {
	return readSmall(ctx, s.client, s.bucket, key, maxIndexObject)
}

func (s bucketStore) Delete(ctx context.Context, key string) error {
	return s.client.DeleteObject(ctx, s.bucket, key)
}

// readSmall reads an object of at most limit bytes; a larger one is an error, not a truncation.
func readSmall(ctx context.Context, client oss.Client, bucket, key string, limit int64) ([]byte, error) {
	rc, err := client.GetObject(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s/%s: larger than the %d bytes expected", bucket, key, limit)
	}
	return data, nil
}
