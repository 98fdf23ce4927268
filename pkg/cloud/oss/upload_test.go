package oss_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// Every part in flight holds one buffer and the reader one more: never more than parallel+1 buffers
// for one upload, all of them back in the pool afterwards, and a second upload allocates none.
func TestMultipartBuffersAreBoundedAndReused(t *testing.T) {
	const part = 256 << 10
	for _, parallel := range []int{1, 3, 8} {
		t.Run(fmt.Sprintf("parallel %d", parallel), func(t *testing.T) {
			em := newEmulator(t)
			// Latency keeps parts in flight long enough that the reader always runs ahead of them.
			em.Faults().SetNetwork(20*time.Millisecond, 0)
			c := newClient(t, em.URL, func(cfg *oss.Config) { cfg.PartSize = part; cfg.Parallelism = parallel })
			const size = 3*8*part + 1234
			for i := range 2 {
				key := fmt.Sprintf("backups/b%d/b.tar.gz", i)
				body := newRandomStream(size, byte(i))
				require.NoError(t, c.PutObject(context.Background(), testBucket, key, body))
				_, wantCRC := body.digest()
				info, err := em.OSS().ObjectInfo(testBucket, key)
				require.NoError(t, err)
				assert.Equal(t, int64(size), info.Size)
				assert.Equal(t, wantCRC, info.CRC64)
			}
			peak, inUse, made := oss.BufferCounts(c)
			assert.Equal(t, int64(parallel+1), peak, "peak buffers in use: one per part in flight and the one being read")
			assert.Zero(t, inUse, "every buffer returned")
			assert.Equal(t, int64(parallel+1), made, "the second upload reuses the first one's buffers")
			assert.Equal(t, 2*(3*8+1), em.OSS().Stats().Operations["UploadPart"], "each part sent once")
		})
	}
}

// A body that fails mid-way fails the upload with the reader's error, and leaves neither an object
// nor a multipart upload behind.
func TestMultipartBodyErrorAborts(t *testing.T) {
	const part = 256 << 10
	em := newEmulator(t)
	c := newClient(t, em.URL, func(cfg *oss.Config) { cfg.PartSize = part; cfg.Parallelism = 2 })
	broken := errors.New("velero stream broke")
	body := io.MultiReader(newRandomStream(5*part+7, 1), failingReader{broken})
	err := c.PutObject(context.Background(), testBucket, "backups/b1/b.tar.gz", body)
	require.Error(t, err)
	assert.ErrorIs(t, err, broken)
	assert.Contains(t, err.Error(), "oss PutObject "+testBucket+"/backups/b1/b.tar.gz")
	ok, err := c.ObjectExists(context.Background(), testBucket, "backups/b1/b.tar.gz")
	require.NoError(t, err)
	assert.False(t, ok)
	uploads, err := em.OSS().ListUploads(testBucket)
	require.NoError(t, err)
	assert.Empty(t, uploads)
	_, inUse, _ := oss.BufferCounts(c)
	assert.Zero(t, inUse, "every buffer returned")
}

type failingReader struct{ err error }

func (f failingReader) Read([]byte) (int, error) { return 0, f.err }

// If the completed object's CRC-64 is not the combination of the parts' CRCs, OSS assembled something
// else than we sent: the upload fails as an integrity error and the object is removed.
func TestMultipartCompletedObjectIsChecked(t *testing.T) {
	const part = 256 << 10
	em := newEmulator(t)
	target, err := url.Parse(em.URL)
	require.NoError(t, err)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.Method == http.MethodPost && r.Request.URL.Query().Has("uploadId") {
			r.Header.Set("x-oss-hash-crc64ecma", "12345")
		}
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, func(cfg *oss.Config) { cfg.PartSize = part; cfg.Parallelism = 2 })

	err = c.PutObject(context.Background(), testBucket, "backups/b1/b.tar.gz", newRandomStream(3*part+5, 2))
	require.Error(t, err)
	assert.ErrorIs(t, err, cloud.ErrIntegrity)
	ok, err := c.ObjectExists(context.Background(), testBucket, "backups/b1/b.tar.gz")
	require.NoError(t, err)
	assert.False(t, ok, "the object that failed its check is removed")
}

// countingListener counts the connections a server accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// Connections of parts in flight are kept for the next upload, even with more parts in flight than the
// SDK's transport keeps idle by default (10): far away every new connection costs a round trip.
func TestMultipartKeepsAConnectionPerPart(t *testing.T) {
	const part, parallel = 256 << 10, 12
	em, err := emulator.New(emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: testAK, AccessKeySecret: testSK}},
		Buckets:     []string{testBucket},
	})
	require.NoError(t, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	counted := &countingListener{Listener: l}
	go func() { _ = em.Serve(counted) }()
	t.Cleanup(func() { _ = em.Close() })
	em.Faults().SetNetwork(20*time.Millisecond, 0)
	c := newClient(t, "http://"+l.Addr().String(), func(cfg *oss.Config) { cfg.PartSize = part; cfg.Parallelism = parallel })

	for i := range 3 {
		require.NoError(t, c.PutObject(context.Background(), testBucket, fmt.Sprintf("backups/b%d/b.tar.gz", i), newRandomStream(2*parallel*part, byte(i))))
	}
	assert.LessOrEqual(t, counted.accepted.Load(), int64(parallel+1), "connections opened for three uploads")
}
