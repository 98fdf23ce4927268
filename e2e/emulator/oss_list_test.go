package emulator_test

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListObjectsV2Paging(t *testing.T) {
	srv := newServer(t)
	want := make([]string, 2500)
	var wg sync.WaitGroup
	errs := make(chan error, len(want))
	for w := 0; w < 8; w++ {
		wg.Go(func() {
			for i := w; i < len(want); i += 8 {
				want[i] = fmt.Sprintf("backups/b%04d/velero-backup.json", i)
				if _, err := srv.OSS().PutObject(testBucket, want[i], []byte("{}")); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// Keys that break naive encodings go through the SDK so their path and listing encodings are both exercised.
	special := []string{"backups/a+b/c d.json", "backups/ü/日本/x%41.json", "backups/q?x=1&y#z.json", "backups/tab\there"}
	for _, sig := range signatureVersions {
		c := newClient(srv.URL, func(cfg *oss.Config) { cfg.WithSignatureVersion(sig.version) })
		for _, key := range special {
			_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(testBucket), Key: oss.Ptr(key), Body: strings.NewReader(key)})
			require.NoError(t, err, key)
		}
	}
	want = append(want, special...)
	sort.Strings(want)
	_, err := srv.OSS().PutObject(testBucket, "restores/r1/log.gz", []byte("x"))
	require.NoError(t, err)

	for _, sig := range signatureVersions {
		t.Run(sig.name, func(t *testing.T) {
			c := newClient(srv.URL, func(cfg *oss.Config) { cfg.WithSignatureVersion(sig.version) })
			before := srv.OSS().Stats().Operations["ListObjectsV2"]
			p := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("backups/"),
				MaxKeys: 1000})
			var got []string
			var pages []int
			for p.HasNext() {
				page, err := p.NextPage(ctx(t))
				require.NoError(t, err)
				pages = append(pages, page.KeyCount)
				assert.Equal(t, len(page.Contents), page.KeyCount)
				for _, o := range page.Contents {
					got = append(got, oss.ToString(o.Key))
				}
			}
			assert.Equal(t, want, got, "every key once, in order, decoded")
			assert.Equal(t, []int{1000, 1000, 504}, pages)
			assert.Equal(t, 3, srv.OSS().Stats().Operations["ListObjectsV2"]-before)

			top, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Delimiter: oss.Ptr("/")})
			require.NoError(t, err)
			assert.Equal(t, []string{"backups/", "restores/"}, prefixes(top))
			assert.Empty(t, top.Contents)
			assert.Equal(t, 2, top.KeyCount)

			// Common prefixes page too, and a page boundary on a prefix does not repeat it.
			var dirs, files []string
			dp := c.NewListObjectsV2Paginator(&oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket), Prefix: oss.Ptr("backups/"),
				Delimiter: oss.Ptr("/"), MaxKeys: 700})
			for dp.HasNext() {
				page, err := dp.NextPage(ctx(t))
				require.NoError(t, err)
				dirs = append(dirs, prefixes(page)...)
				files = append(files, keysOf(page)...)
			}
			require.Equal(t, 2500+2, len(dirs), "one prefix per backup plus a+b/ and ü/")
			assert.Equal(t, "backups/a+b/", dirs[0])
			assert.Equal(t, "backups/ü/", dirs[len(dirs)-1])
			assert.Equal(t, []string{"backups/q?x=1&y#z.json", "backups/tab\there"}, files)
			seen := map[string]bool{}
			for _, d := range dirs {
				assert.False(t, seen[d], "prefix %q repeated across pages", d)
				seen[d] = true
			}

			after, err := c.ListObjectsV2(ctx(t), &oss.ListObjectsV2Request{Bucket: oss.Ptr(testBucket),
				StartAfter: oss.Ptr("backups/b2498/velero-backup.json"), MaxKeys: 3})
			require.NoError(t, err)
			assert.Equal(t, []string{"backups/b2499/velero-backup.json", "backups/q?x=1&y#z.json", "backups/tab\there"}, keysOf(after))
			assert.True(t, after.IsTruncated)
		})
	}
}

func TestListObjectsV2EncodingAndValidation(t *testing.T) {
	srv := newServer(t)
	_, err := srv.OSS().PutObject(testBucket, "dir/a+b c", []byte("x"))
	require.NoError(t, err)

	status, body := signedGet(t, srv.URL, "/"+testBucket+"/?list-type=2&encoding-type=url&prefix=dir%2F")
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "<Key>dir%2Fa%2Bb%20c</Key>", "keys are URL-encoded when asked")
	assert.Contains(t, body, "<EncodingType>url</EncodingType>")

	status, body = signedGet(t, srv.URL, "/"+testBucket+"/?list-type=2&prefix=dir%2F")
	require.Equal(t, 200, status, body)
	assert.Contains(t, body, "<Key>dir/a+b c</Key>", "and plain otherwise")

	for _, q := range []string{"max-keys=1001", "max-keys=-1", "encoding-type=base64", "continuation-token=%25%25"} {
		status, body = signedGet(t, srv.URL, "/"+testBucket+"/?list-type=2&"+q)
		assert.Equal(t, 400, status, q)
		assert.Equal(t, "InvalidArgument", errorCode(t, body), q)
	}
}

func prefixes(r *oss.ListObjectsV2Result) []string {
	var out []string
	for _, p := range r.CommonPrefixes {
		out = append(out, oss.ToString(p.Prefix))
	}
	return out
}

func keysOf(r *oss.ListObjectsV2Result) []string {
	var out []string
	for _, o := range r.Contents {
		out = append(out, oss.ToString(o.Key))
	}
	return out
}

// signedGet sends a raw bucket-level GET signed by the SDK's own V4 signer, to look at the wire format
// the SDK's result types hide.
func signedGet(t *testing.T, base, pathAndQuery string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), http.MethodGet, base+pathAndQuery, nil)
	require.NoError(t, err)
	sc := &signer.SigningContext{Product: oss.Ptr("oss"), Region: oss.Ptr("cn-hangzhou"), Bucket: oss.Ptr(testBucket),
		Request: req, Credentials: &credentials.Credentials{AccessKeyID: testAK, AccessKeySecret: testSK}}
	require.NoError(t, (&signer.SignerV4{}).Sign(ctx(t), sc))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(body)
}
