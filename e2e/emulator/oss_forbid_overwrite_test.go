package emulator_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// x-oss-forbid-overwrite is what a vault shared by clusters claims backup names with: the second
// writer of a key gets OSS's 409 FileAlreadyExists and the first writer's bytes stay.
func TestForbidOverwriteRefusesAnExistingKey(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL)
	put := func(body string, forbid bool) error {
		req := &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("plugins/csdr/claims/b1"), Body: strings.NewReader(body)}
		if forbid {
			req.ForbidOverwrite = oss.Ptr("true")
		}
		_, err := c.PutObject(ctx(t), req)
		return err
	}
	require.NoError(t, put("cluster-a", true), "a free key is created")

	err := put("cluster-b", true)
	var se *oss.ServiceError
	require.True(t, errors.As(err, &se), "want a service error, got %v", err)
	assert.Equal(t, http.StatusConflict, se.StatusCode)
	assert.Equal(t, "FileAlreadyExists", se.Code)
	assert.Equal(t, "cluster-a", readObject(t, c, "plugins/csdr/claims/b1"))

	require.NoError(t, put("cluster-c", false), "without the header a PUT overwrites, as OSS does")
	assert.Equal(t, "cluster-c", readObject(t, c, "plugins/csdr/claims/b1"))
}

// ListObjectsV2 gives each object's LastModified in OSS's ISO 8601 form, to the second (".000Z"), on
// the server's clock: the order in which a vault's clusters joined and deleted is read from it.
func TestListObjectsV2LastModified(t *testing.T) {
	srv := newServer(t)
	c := newClient(srv.URL)
	before := time.Now().UTC().Truncate(time.Second)
	_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("plugins/csdr/clusters/a"), Body: strings.NewReader("")})
	require.NoError(t, err)
	after := time.Now().UTC()

	res, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("plugins/csdr/")})
	require.NoError(t, err)
	require.Len(t, res.Contents, 1)
	got := res.Contents[0].LastModified
	require.NotNil(t, got)
	assert.False(t, got.Before(before) || got.After(after), "%v not within [%v, %v]", got, before, after)
	assert.Equal(t, 0, got.Nanosecond(), "OSS lists times to the second")

	head, err := c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr("plugins/csdr/clusters/a")})
	require.NoError(t, err)
	assert.True(t, got.Equal(*head.LastModified), "listing %v and HEAD %v agree", got, head.LastModified)
}

func readObject(t *testing.T, c *oss.Client, key string) string {
	t.Helper()
	res, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key)})
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return string(b)
}
