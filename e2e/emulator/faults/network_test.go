package faults

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// echoServer copies every connection back to itself through a shaped listener.
func echoServer(t *testing.T, inj *Injector) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	sl := inj.ShapeListener(l)
	t.Cleanup(func() { _ = sl.Close() })
	go func() {
		for {
			c, err := sl.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
	return l.Addr().String()
}

func TestShapedConnectionRespectsBandwidth(t *testing.T) {
	inj := New()
	const rate = 128 << 10
	inj.SetNetwork(0, rate)
	conn, err := net.Dial("tcp", echoServer(t, inj))
	require.NoError(t, err)
	defer conn.Close()

	const size = 64 << 10
	start := time.Now()
	require.NoError(t, echo(conn, size))
	// Reading and writing on the server side are each capped; the echo needs at least size/rate. A busy
	// machine only makes it slower, so this bound cannot fail by load.
	assert.GreaterOrEqual(t, time.Since(start), time.Duration(float64(size)/rate*0.8*float64(time.Second)))

	// Turning shaping off applies to open connections. At the old rate the next 8 MiB would take over a
	// minute; unshaped they take milliseconds (seconds on a loaded machine). The deadline sits between the
	// two, far from both: only shaping that stayed on trips it.
	inj.SetNetwork(0, 0)
	require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
	assert.NoError(t, echo(conn, 8<<20), "shaping still applies after it was turned off")
}

// echo sends size bytes through the echo server and reads them back.
func echo(conn net.Conn, size int) error {
	payload := bytes.Repeat([]byte("x"), size)
	go func() { _, _ = conn.Write(payload) }()
	_, err := io.ReadFull(conn, make([]byte, size))
	return err
}

func TestNetworkSettings(t *testing.T) {
	inj := New()
	assert.Equal(t, Shape{}, inj.NetworkShape(), "no shaping until asked")
	inj.SetNetwork(40*time.Millisecond, 6250000)
	latency, bw := inj.Network()
	assert.Equal(t, 40*time.Millisecond, latency)
	assert.Equal(t, int64(6250000), bw)
	assert.False(t, inj.NetworkShape().Shared)

	inj.SetSharedUplink(20*time.Millisecond, 1000)
	assert.Equal(t, Shape{Latency: 20 * time.Millisecond, BytesPerSecond: 1000, Shared: true}, inj.NetworkShape())
	inj.SetNetwork(0, 500)
	assert.Equal(t, Shape{BytesPerSecond: 500}, inj.NetworkShape(), "SetNetwork replaces the shared uplink")

	inj.SetNetwork(-time.Second, -1)
	assert.Equal(t, Shape{}, inj.NetworkShape())
	inj.SetSharedUplink(-time.Second, -1)
	assert.Equal(t, Shape{Shared: true}, inj.NetworkShape())
}

// In shared mode every connection draws from the same two buckets, one per direction; otherwise each
// connection has its own.
func TestSharedUplinkSharesBuckets(t *testing.T) {
	inj := New()
	a, b := &shapedConn{net: &inj.net}, &shapedConn{net: &inj.net}
	inj.SetNetwork(0, 1000)
	s := inj.net.load()
	assert.NotSame(t, a.bucket(s, dirIn), b.bucket(s, dirIn))
	assert.NotSame(t, a.bucket(s, dirIn), a.bucket(s, dirOut))
	inj.SetSharedUplink(0, 1000)
	s = inj.net.load()
	assert.Same(t, a.bucket(s, dirIn), b.bucket(s, dirIn))
	assert.Same(t, a.bucket(s, dirOut), b.bucket(s, dirOut))
	assert.NotSame(t, a.bucket(s, dirIn), a.bucket(s, dirOut))
}

func TestTokenBucket(t *testing.T) {
	var b tokenBucket
	const rate = 1000
	assert.Equal(t, time.Second, b.take(1000, rate).Round(10*time.Millisecond), "the bucket starts empty")
	b.last = b.last.Add(-2 * time.Second) // as if the caller slept past its debt
	assert.Zero(t, b.take(40, rate), "accrued tokens pay for small reads, up to the burst size")
	assert.Equal(t, 1024, burst(1000), "bursts have a floor")
	assert.Equal(t, 256<<10, burst(1<<30), "and a ceiling")
}

func shapedHTTPServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = New().ShapeListener(srv.Listener)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// isReset accepts the ways a client notices an RST: ECONNRESET or EPIPE directly, or "use of closed network
// connection" when its reader saw the reset first and closed the socket under the writer.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "connection reset") || errors.Is(err, io.ErrUnexpectedEOF)
}

func TestResetRequest(t *testing.T) {
	got := make(chan int64, 1)
	url := shapedHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		assert.NoError(t, ResetRequest(w, r))
		got <- r.ContentLength
	})
	_, err := http.Post(url, "application/octet-stream", bytes.NewReader(make([]byte, 8<<20)))
	require.Error(t, err)
	assert.True(t, isReset(err), "want a reset, got %v", err)
	assert.Equal(t, int64(8<<20), <-got)
}

func TestResetResponse(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789"), 100_000)
	url := shapedHTTPServer(t, func(w http.ResponseWriter, r *http.Request) {
		h := http.Header{"Content-Type": {"application/octet-stream"}, "X-Test": {"yes"}}
		assert.NoError(t, ResetResponse(w, http.StatusOK, h, bytes.NewReader(body), int64(len(body))))
	})
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "yes", resp.Header.Get("X-Test"))
	assert.Equal(t, int64(len(body)), resp.ContentLength)
	got, err := io.ReadAll(resp.Body)
	require.Error(t, err)
	assert.True(t, isReset(err), "want a reset, got %v", err)
	assert.Equal(t, body[:len(got)], got)
	assert.LessOrEqual(t, len(got), len(body)/2)
}
