package objectstore

import (
	"bytes"
	"context"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// memoryOSS is a stateful in-memory OSS: objects per bucket/key, with an upload failure to inject.
type memoryOSS struct {
	mu      sync.Mutex
	objects map[string][]byte
	// putFailsAfter makes PutObject read this many bytes of a body and then fail, as a real upload that
	// loses its connection does; negative means uploads succeed.
	putFailsAfter int64
}

var _ oss.Client = (*memoryOSS)(nil)

func newMemoryOSS() *memoryOSS { return &memoryOSS{objects: map[string][]byte{}, putFailsAfter: -1} }

func (m *memoryOSS) PutObject(_ context.Context, bucket, key string, body io.Reader) error {
	if m.putFailsAfter >= 0 {
		_, _ = io.CopyN(io.Discard, body, m.putFailsAfter)
		return &cloud.Error{Service: "oss", Operation: "UploadPart", Resource: bucket + "/" + key,
			Kind: cloud.ErrUnavailable, Code: "InternalError", RequestID: "RID-put"}
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[bucket+"/"+key] = data
	return nil
}

func (m *memoryOSS) GetObject(_ context.Context, bucket, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.objects[bucket+"/"+key]
	if !ok {
		return nil, &cloud.Error{Service: "oss", Operation: "GetObject", Resource: bucket + "/" + key, Kind: cloud.ErrNotFound, Code: "NoSuchKey"}
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (m *memoryOSS) ObjectExists(_ context.Context, bucket, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.objects[bucket+"/"+key]
	return ok, nil
}

func (m *memoryOSS) ListObjects(_ context.Context, bucket, prefix string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, k := range slices.Sorted(maps.Keys(m.objects)) {
		if key, ok := strings.CutPrefix(k, bucket+"/"); ok && strings.HasPrefix(key, prefix) {
			out = append(out, key)
		}
	}
	return out, nil
}

func (m *memoryOSS) ListCommonPrefixes(ctx context.Context, bucket, prefix, delimiter string) ([]string, error) {
	keys, _ := m.ListObjects(ctx, bucket, prefix)
	var out []string
	for _, k := range keys {
		if i := strings.Index(k[len(prefix):], delimiter); i >= 0 {
			if p := k[:len(prefix)+i+len(delimiter)]; !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func (m *memoryOSS) DeleteObject(_ context.Context, bucket, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects, bucket+"/"+key)
	return nil
}

func (m *memoryOSS) SignedURL(_ context.Context, bucket, key string, _ time.Duration) (string, error) {
	return "https://" + bucket + ".oss.invalid/" + key, nil
}

// credentialsFile writes a Velero credentials file and returns its path.
func credentialsFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cloud")
	require.NoError(t, os.WriteFile(path, []byte("ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI-test\nALIBABA_CLOUD_ACCESS_KEY_SECRET=test-secret-value\n"), 0o600))
	return path
}

// endlessReader yields zeros forever and counts them.
type endlessReader struct{ n atomic.Int64 }

func (r *endlessReader) Read(p []byte) (int, error) {
	clear(p)
	r.n.Add(int64(len(p)))
	return len(p), nil
}

// stalledReader yields a few bytes, then blocks until released, as a stream whose sender stopped.
type stalledReader struct {
	head    []byte
	release chan struct{}
}

func (r *stalledReader) Read(p []byte) (int, error) {
	if len(r.head) > 0 {
		n := copy(p, r.head)
		r.head = r.head[n:]
		return n, nil
	}
	<-r.release
	return 0, io.EOF
}
