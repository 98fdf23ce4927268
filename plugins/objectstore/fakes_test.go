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

// memoryOSS is a stateful in-memory OSS: objects per bucket/key, stamped with its clock, with an upload
// failure and per-request failures to inject.
type memoryOSS struct {
	mu       sync.Mutex
	objects  map[string][]byte
	modified map[string]time.Time
	now      time.Time // moved by tick; OSS's clock, to the second
	// putFailsAfter makes PutObject read this many bytes of a body and then fail, as a real upload that
	// loses its connection does; negative means uploads succeed.
	putFailsAfter int64
	// fail makes the request "<Operation> <bucket>/<key or prefix>" fail with the error.
	fail  map[string]error
	calls []string
}

var _ oss.Client = (*memoryOSS)(nil)

func newMemoryOSS() *memoryOSS {
	return &memoryOSS{objects: map[string][]byte{}, modified: map[string]time.Time{}, putFailsAfter: -1,
		now: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), fail: map[string]error{}}
}

func (m *memoryOSS) tick(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.now = m.now.Add(d)
}

// call records a request and returns its injected failure; m.mu is held.
func (m *memoryOSS) call(op, resource string) error {
	m.calls = append(m.calls, op+" "+resource)
	return m.fail[op+" "+resource]
}

func (m *memoryOSS) CreateObject(_ context.Context, bucket, key string, data []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("CreateObject", bucket+"/"+key); err != nil {
		return err
	}
	if _, ok := m.objects[bucket+"/"+key]; ok {
		return &cloud.Error{Service: "oss", Operation: "PutObject", Resource: bucket + "/" + key, Kind: cloud.ErrAlreadyExists,
			Code: "FileAlreadyExists", Status: 409}
	}
	m.objects[bucket+"/"+key], m.modified[bucket+"/"+key] = slices.Clone(data), m.now
	return nil
}

func (m *memoryOSS) ListObjectInfos(_ context.Context, bucket, prefix string) ([]oss.ObjectInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("ListObjectInfos", bucket+"/"+prefix); err != nil {
		return nil, err
	}
	var out []oss.ObjectInfo
	for _, k := range slices.Sorted(maps.Keys(m.objects)) {
		if key, ok := strings.CutPrefix(k, bucket+"/"); ok && strings.HasPrefix(key, prefix) {
			out = append(out, oss.ObjectInfo{Key: key, LastModified: m.modified[k]})
		}
	}
	return out, nil
}

// object returns bucket/key's bytes and whether it exists.
func (m *memoryOSS) object(bucket, key string) ([]byte, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	data, ok := m.objects[bucket+"/"+key]
	return data, ok
}

// keys are every key of bucket under prefix.
func (m *memoryOSS) keys(bucket, prefix string) []string {
	keys, _ := m.ListObjects(context.Background(), bucket, prefix)
	return keys
}

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
	if err := m.call("PutObject", bucket+"/"+key); err != nil {
		return err
	}
	m.objects[bucket+"/"+key], m.modified[bucket+"/"+key] = data, m.now
	return nil
}

func (m *memoryOSS) GetObject(_ context.Context, bucket, key string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("GetObject", bucket+"/"+key); err != nil {
		return nil, err
	}
	data, ok := m.objects[bucket+"/"+key]
	if !ok {
		return nil, &cloud.Error{Service: "oss", Operation: "GetObject", Resource: bucket + "/" + key, Kind: cloud.ErrNotFound, Code: "NoSuchKey"}
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

func (m *memoryOSS) ObjectExists(_ context.Context, bucket, key string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.call("ObjectExists", bucket+"/"+key); err != nil {
		return false, err
	}
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
	if err := m.call("DeleteObject", bucket+"/"+key); err != nil {
		return err
	}
	delete(m.objects, bucket+"/"+key)
	delete(m.modified, bucket+"/"+key)
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

// vars is an environment of the given keys and values, for Dependencies.Environment.Getenv.
func vars(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}
