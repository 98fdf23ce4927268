package oss_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

func TestRoundTripSizes(t *testing.T) {
	const part = 5 << 20
	em := newEmulator(t)
	c := newClient(t, em.URL, func(cfg *oss.Config) { cfg.PartSize = part; cfg.Parallelism = 4 })
	sizes := []int64{0, 1, part - 1, part, part + 1, 200 << 20}
	if testing.Short() {
		sizes = sizes[:5]
	}
	for i, size := range sizes {
		t.Run(fmt.Sprintf("%d bytes", size), func(t *testing.T) {
			key := fmt.Sprintf("backups/b1/object-%d.tar.gz", size)
			body := newRandomStream(size, byte(i))
			require.NoError(t, c.PutObject(context.Background(), testBucket, key, body))
			wantSHA, wantCRC := body.digest()

			info, err := em.OSS().ObjectInfo(testBucket, key)
			require.NoError(t, err)
			assert.Equal(t, size, info.Size)
			assert.Equal(t, wantCRC, info.CRC64, "emulator stored different bytes")

			rc, err := c.GetObject(context.Background(), testBucket, key)
			require.NoError(t, err)
			gotSHA, gotCRC, n := digestOf(t, rc)
			assert.Equal(t, size, n)
			assert.Equal(t, wantSHA, gotSHA)
			assert.Equal(t, wantCRC, gotCRC)

			uploads, err := em.OSS().ListUploads(testBucket)
			require.NoError(t, err)
			assert.Empty(t, uploads)
		})
	}
	// Only bodies longer than a part use multipart; the rest are one PUT each.
	multipart := 0
	for _, size := range sizes {
		if size > part {
			multipart++
		}
	}
	stats := em.OSS().Stats()
	assert.Equal(t, multipart, stats.Operations["InitiateMultipartUpload"], "multipart uploads")
}

func TestSignatureVersions(t *testing.T) {
	for _, v := range []int{1, 4} {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			em := newEmulator(t)
			c := newClient(t, em.URL, func(cfg *oss.Config) { cfg.SignatureVersion = v })
			ctx := context.Background()
			require.NoError(t, c.PutObject(ctx, testBucket, "backups/a b+c/ü.json", strings.NewReader(`{"ok":true}`)))
			ok, err := c.ObjectExists(ctx, testBucket, "backups/a b+c/ü.json")
			require.NoError(t, err)
			assert.True(t, ok)
			keys, err := c.ListObjects(ctx, testBucket, "backups/")
			require.NoError(t, err)
			assert.Equal(t, []string{"backups/a b+c/ü.json"}, keys)

			url, err := c.SignedURL(ctx, testBucket, "backups/a b+c/ü.json", time.Minute)
			require.NoError(t, err)
			resp, err := http.Get(url)
			require.NoError(t, err)
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			assert.Equal(t, http.StatusOK, resp.StatusCode, string(body))
			assert.Equal(t, `{"ok":true}`, string(body))
		})
	}
}

func TestListingPagesAndPrefixes(t *testing.T) {
	em := newEmulator(t)
	c := newClient(t, em.URL)
	ctx := context.Background()
	want := make([]string, 0, 2500)
	for i := 0; i < 2500; i++ {
		key := fmt.Sprintf("backups/b%04d/velero-backup.json", i)
		want = append(want, key)
		require.NoError(t, c.PutObject(ctx, testBucket, key, strings.NewReader("{}")))
	}
	require.NoError(t, c.PutObject(ctx, testBucket, "restores/r1/log.gz", strings.NewReader("x")))

	before := em.OSS().Stats().Operations["ListObjectsV2"]
	keys, err := c.ListObjects(ctx, testBucket, "backups/")
	require.NoError(t, err)
	assert.ElementsMatch(t, want, keys)
	assert.Equal(t, 3, em.OSS().Stats().Operations["ListObjectsV2"]-before, "1000 keys per page")

	dirs, err := c.ListCommonPrefixes(ctx, testBucket, "", "/")
	require.NoError(t, err)
	assert.Equal(t, []string{"backups/", "restores/"}, dirs)
	sub, err := c.ListCommonPrefixes(ctx, testBucket, "backups/", "/")
	require.NoError(t, err)
	assert.Len(t, sub, 2500)
}

func TestMissingThings(t *testing.T) {
	em := newEmulator(t)
	c := newClient(t, em.URL)
	ctx := context.Background()

	ok, err := c.ObjectExists(ctx, testBucket, "nope")
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, c.DeleteObject(ctx, testBucket, "nope"), "deleting a missing key succeeds")

	_, err = c.GetObject(ctx, testBucket, "nope")
	assert.ErrorIs(t, err, cloud.ErrNotFound)

	_, err = c.ListObjects(ctx, "cnfs-oss-missing", "")
	require.ErrorIs(t, err, cloud.ErrNotFound)
	assert.True(t, oss.IsBucketMissing(err))
	assert.NotEmpty(t, cloud.RequestID(err), "request id kept")

	err = c.DeleteObject(ctx, "cnfs-oss-missing", "k")
	assert.True(t, oss.IsBucketMissing(err), "a missing bucket is not a successful delete: %v", err)
}

func TestWrongCredentialsAreDenied(t *testing.T) {
	em := newEmulator(t)
	for _, v := range []int{1, 4} {
		c := newClient(t, em.URL, func(cfg *oss.Config) {
			cfg.SignatureVersion = v
			cfg.Credentials = staticCreds{AccessKeyID: testAK, AccessKeySecret: "wrong-secret"}
		})
		_, err := c.ListObjects(context.Background(), testBucket, "")
		require.ErrorIs(t, err, cloud.ErrDenied)
		assert.Contains(t, err.Error(), "SignatureDoesNotMatch")
		assert.NotContains(t, err.Error(), "wrong-secret")
	}
}

func TestDownloadDetectsCorruption(t *testing.T) {
	// A body shorter than advertised or altered in flight fails at EOF rather than passing silently.
	em := newEmulator(t)
	c := newClient(t, em.URL)
	ctx := context.Background()
	data := bytes.Repeat([]byte("velero"), 100_000)
	require.NoError(t, c.PutObject(ctx, testBucket, "k", bytes.NewReader(data)))
	em.Faults().Add(faultResetGet())
	rc, err := c.GetObject(ctx, testBucket, "k")
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	require.Error(t, err)
	assert.False(t, errors.Is(err, io.EOF))
}
