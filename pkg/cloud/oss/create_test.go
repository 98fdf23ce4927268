package oss_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

func TestCreateObjectClaimsAKeyOnce(t *testing.T) {
	em := newEmulator(t)
	c := newClient(t, em.URL)
	ctx := context.Background()
	const key = "plugins/csdr/claims/b1"
	require.NoError(t, c.CreateObject(ctx, testBucket, key, []byte("cluster-a")))

	err := c.CreateObject(ctx, testBucket, key, []byte("cluster-b"))
	require.Error(t, err)
	assert.ErrorIs(t, err, cloud.ErrAlreadyExists)
	var ce *cloud.Error
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, "FileAlreadyExists", ce.Code)
	assert.Equal(t, 409, ce.Status)
	assert.NotEmpty(t, ce.RequestID)
	assert.Contains(t, err.Error(), "oss PutObject "+testBucket+"/"+key+": already exists (FileAlreadyExists")

	rc, err := c.GetObject(ctx, testBucket, key)
	require.NoError(t, err)
	got, err := io.ReadAll(rc)
	require.NoError(t, rc.Close())
	require.NoError(t, err)
	assert.Equal(t, "cluster-a", string(got), "the first writer's bytes stay")

	require.NoError(t, c.CreateObject(ctx, testBucket, "plugins/csdr/claims/b2", nil), "an empty marker")
}

func TestCreateObjectOnAMissingBucket(t *testing.T) {
	em := newEmulator(t)
	err := newClient(t, em.URL).CreateObject(context.Background(), "no-such-bucket", "k", []byte("x"))
	assert.ErrorIs(t, err, cloud.ErrNotFound)
	assert.True(t, oss.IsBucketMissing(err))
}

func TestListObjectInfosGivesServerTimes(t *testing.T) {
	em := newEmulator(t)
	c := newClient(t, em.URL)
	ctx := context.Background()
	before := time.Now().UTC().Truncate(time.Second)
	keys := make([]string, 0, 1203)
	for i := range 1203 { // more than one page of 1,000
		keys = append(keys, fmt.Sprintf("plugins/csdr/backups/b%04d/source/cluster-a", i))
	}
	for _, k := range keys {
		_, err := em.OSS().PutObject(testBucket, k, nil)
		require.NoError(t, err)
	}
	_, err := em.OSS().PutObject(testBucket, "backups/b1/velero-backup.json", []byte("{}"))
	require.NoError(t, err)
	after := time.Now().UTC()

	infos, err := c.ListObjectInfos(ctx, testBucket, "plugins/csdr/")
	require.NoError(t, err)
	require.Len(t, infos, len(keys))
	got := map[string]bool{}
	for _, info := range infos {
		got[info.Key] = true
		assert.False(t, info.LastModified.Before(before) || info.LastModified.After(after), "%s at %v", info.Key, info.LastModified)
		assert.Equal(t, time.UTC, info.LastModified.Location())
	}
	for _, k := range keys {
		assert.True(t, got[k], k)
	}
}
