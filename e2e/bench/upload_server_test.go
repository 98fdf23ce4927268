package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
)

// uploadServer is the emulator the upload benchmark talks to. It serves the emulator's handler itself
// so that every request runs under a pprof label naming its kind (PutObject, UploadPart, ...): the
// benchmark's CPU profile then says what each kind of request costs the emulator.
type uploadServer struct {
	URL     string
	DataDir string
	em      *emulator.Emulator
}

// newUploadServer keeps the objects in memory (/dev/shm) where it can: the emulator's disk is not
// what the benchmark measures, and on a small VM its writeback throttling decided who won.
func newUploadServer(b *testing.B) *uploadServer {
	b.Helper()
	dir := b.TempDir()
	if shm, err := os.MkdirTemp("/dev/shm", "csdr-bench-oss-"); err == nil {
		dir = shm
		b.Cleanup(func() { _ = os.RemoveAll(shm) })
	}
	em, err := emulator.New(emulator.Options{
		DataDir:     filepath.Join(dir, "oss"),
		Credentials: []emulator.Credential{{AccessKeyID: ak, AccessKeySecret: sk}},
		Buckets:     []string{bucket},
	})
	require.NoError(b, err)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	s := &uploadServer{URL: "http://" + l.Addr().String(), DataDir: dir, em: em}
	srv := &http.Server{Handler: labelByKind(em.Handler()), ReadHeaderTimeout: time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(em.Faults().ShapeListener(l)) }()
	b.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			b.Errorf("emulator serve: %v", err)
		}
		_ = em.Close()
	})
	return s
}

// requestKind names an OSS request from its method and sub-resource, as the emulator's stats do.
func requestKind(r *http.Request) string {
	q := r.URL.Query()
	switch {
	case r.Method == http.MethodPut && q.Has("partNumber"):
		return "UploadPart"
	case r.Method == http.MethodPut:
		return "PutObject"
	case r.Method == http.MethodPost && q.Has("uploads"):
		return "InitiateMultipartUpload"
	case r.Method == http.MethodPost && q.Has("uploadId"):
		return "CompleteMultipartUpload"
	default:
		return "other requests"
	}
}

func labelByKind(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pprof.Do(r.Context(), pprof.Labels(uploadCPULabel, "emulator "+requestKind(r)), func(context.Context) {
			h.ServeHTTP(w, r)
		})
	})
}

// setSharedUplink shapes all connections together: one link of rate bytes per second in each
// direction with latency. rate 0 turns shaping off.
func (s *uploadServer) setSharedUplink(latency time.Duration, rate int64) {
	if rate == 0 {
		s.em.Faults().SetNetwork(0, 0)
		return
	}
	s.em.Faults().SetSharedUplink(latency, rate)
}
