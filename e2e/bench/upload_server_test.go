package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
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
	uplink  *sharedUplinkStandIn
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
	s := &uploadServer{URL: "http://" + l.Addr().String(), DataDir: dir, em: em, uplink: &sharedUplinkStandIn{}}
	srv := &http.Server{Handler: labelByKind(em.Handler()), ReadHeaderTimeout: time.Minute}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(s.uplink.wrap(em.Faults().ShapeListener(l))) }()
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

// sharedUplinker is what the emulator's fault injector gains with the shared-uplink mode.
type sharedUplinker interface {
	SetSharedUplink(latency time.Duration, bytesPerSecond int64)
}

// setSharedUplink shapes all connections together: one link of rate bytes per second in each
// direction with latency. Until the emulator has the mode, a stand-in here shares one token bucket
// among the connections, on top of the emulator's per-request latency. rate 0 turns shaping off.
func (s *uploadServer) setSharedUplink(latency time.Duration, rate int64) {
	if f, ok := any(s.em.Faults()).(sharedUplinker); ok {
		if rate == 0 {
			s.em.Faults().SetNetwork(0, 0)
			return
		}
		f.SetSharedUplink(latency, rate)
		return
	}
	s.em.Faults().SetNetwork(latency, 0)
	s.uplink.set(rate)
}

// sharedUplinkStandIn is the temporary stand-in for the emulator's shared uplink: one token bucket per
// direction for every connection. Remove it once the emulator has SetSharedUplink.
type sharedUplinkStandIn struct {
	on     atomic.Bool // read without the lock, so an unshaped link costs nothing
	mu     sync.Mutex
	rate   int64
	rd, wr standInBucket
}

func (u *sharedUplinkStandIn) set(rate int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.rate, u.rd, u.wr = rate, standInBucket{}, standInBucket{}
	u.on.Store(rate > 0)
}

// wait spends n bytes of one direction's budget and returns how long to wait for them.
func (u *sharedUplinkStandIn) wait(b *standInBucket, n int) time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.rate <= 0 {
		return 0
	}
	// A link does not idle while a goroutine oversleeps: up to standInBurst of unused time is
	// credited, as a token bucket holds that many bytes.
	now := time.Now()
	if floor := now.Add(-standInBurst); b.next.Before(floor) {
		b.next = floor
	}
	b.next = b.next.Add(time.Duration(float64(n) / float64(u.rate) * float64(time.Second)))
	return max(b.next.Sub(now), 0)
}

type standInBucket struct{ next time.Time }

func (u *sharedUplinkStandIn) wrap(l net.Listener) net.Listener { return &standInListener{l, u} }

type standInListener struct {
	net.Listener
	u *sharedUplinkStandIn
}

func (l *standInListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &standInConn{c, l.u}, nil
}

type standInConn struct {
	net.Conn
	u *sharedUplinkStandIn
}

// standInBurst is how far behind the link's schedule a connection may fall and catch up.
const standInBurst = 50 * time.Millisecond

// standInChunk keeps the shared link's turns short, so connections interleave as on a real link.
const standInChunk = 32 << 10

func (c *standInConn) Read(p []byte) (int, error) {
	if !c.u.on.Load() {
		return c.Conn.Read(p)
	}
	if len(p) > standInChunk {
		p = p[:standInChunk]
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		time.Sleep(c.u.wait(&c.u.rd, n))
	}
	return n, err
}

func (c *standInConn) Write(p []byte) (int, error) {
	if !c.u.on.Load() {
		return c.Conn.Write(p)
	}
	written := 0
	for len(p) > 0 {
		chunk := min(len(p), standInChunk)
		time.Sleep(c.u.wait(&c.u.wr, chunk))
		n, err := c.Conn.Write(p[:chunk])
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}
