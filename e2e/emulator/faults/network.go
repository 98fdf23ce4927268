package faults

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// networkSettings are read on every conn operation, so they are atomics rather than fields under mu: a
// test may change the WAN profile while transfers are running and the new values apply at once.
type networkSettings struct {
	latency   atomic.Int64 // time.Duration per request
	bandwidth atomic.Int64 // bytes per second per connection and direction
}

// SetNetwork emulates a WAN link: latency is added once per request (think round-trip time) and every
// connection is capped at bytesPerSecondPerConn in each direction. Zero turns either off.
func (i *Injector) SetNetwork(latency time.Duration, bytesPerSecondPerConn int64) {
	i.net.latency.Store(int64(max(latency, 0)))
	i.net.bandwidth.Store(max(bytesPerSecondPerConn, 0))
}

// Network returns the current shaping settings.
func (i *Injector) Network() (latency time.Duration, bytesPerSecondPerConn int64) {
	return time.Duration(i.net.latency.Load()), i.net.bandwidth.Load()
}

// WaitLatency sleeps for the per-request latency, or returns early with the context's error.
func (i *Injector) WaitLatency(ctx context.Context) error {
	return sleep(ctx, time.Duration(i.net.latency.Load()))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ShapeListener wraps l so that every accepted connection obeys the bandwidth cap set by SetNetwork.
func (i *Injector) ShapeListener(l net.Listener) net.Listener {
	return &shapedListener{Listener: l, inj: i}
}

type shapedListener struct {
	net.Listener
	inj *Injector
}

func (l *shapedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shapedConn{Conn: c, rate: &l.inj.net.bandwidth}, nil
}

// shapedConn throttles each direction with its own token bucket. Reads are throttled after the fact (the
// bytes are already here, the caller just does not get to the next read sooner than the link allows),
// writes before each chunk; either way the long-run rate is the cap.
type shapedConn struct {
	net.Conn
	rate   *atomic.Int64
	rd, wr tokenBucket
}

func (c *shapedConn) Read(p []byte) (int, error) {
	rate := c.rate.Load()
	if rate <= 0 {
		return c.Conn.Read(p)
	}
	if b := burst(rate); len(p) > b {
		p = p[:b]
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		time.Sleep(c.rd.take(n, rate))
	}
	return n, err
}

func (c *shapedConn) Write(p []byte) (int, error) {
	written := 0
	for len(p) > 0 {
		rate := c.rate.Load()
		if rate <= 0 {
			n, err := c.Conn.Write(p)
			return written + n, err
		}
		chunk := min(len(p), burst(rate))
		time.Sleep(c.wr.take(chunk, rate))
		n, err := c.Conn.Write(p[:chunk])
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// SetLinger lets a fault hard-close (RST) a shaped connection just like a bare *net.TCPConn.
func (c *shapedConn) SetLinger(sec int) error {
	if l, ok := c.Conn.(interface{ SetLinger(int) error }); ok {
		return l.SetLinger(sec)
	}
	return nil
}

// NetConn returns the wrapped connection.
func (c *shapedConn) NetConn() net.Conn { return c.Conn }

// burst is the largest chunk moved at once: 50 ms worth of the rate, bounded so that slow links still make
// steady progress and fast links do not hand out huge bursts.
func burst(rate int64) int {
	return int(min(max(rate/20, 1024), 256<<10))
}

type tokenBucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// take spends n tokens and returns how long the caller must wait for the balance to be non-negative again.
// The bucket starts empty so that even the first bytes of a connection are paced.
func (b *tokenBucket) take(n int, rate int64) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if !b.last.IsZero() {
		b.tokens = min(b.tokens+now.Sub(b.last).Seconds()*float64(rate), float64(burst(rate)))
	}
	b.last = now
	b.tokens -= float64(n)
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(-b.tokens / float64(rate) * float64(time.Second))
}
