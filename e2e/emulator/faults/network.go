package faults

import (
	"net"
	"sync/atomic"
	"time"
)

// Shape is the emulated WAN link between the clients and the emulator. Latency is the round-trip time,
// charged per round trip of each connection's conversation (see shapedConn.turn). BytesPerSecond caps each
// direction: of every connection on its own, or, when Shared, of all connections together, the way one
// office uplink is shared by every upload behind it. Zero turns either off.
type Shape struct {
	Latency        time.Duration
	BytesPerSecond int64
	Shared         bool
}

// shaping is one Shape in force, with the token buckets every connection draws from in shared mode. A new
// setting is a new value, swapped in atomically: connections read it on every operation, so a test may
// change the profile while transfers are running and the new values apply at once.
type shaping struct {
	Shape
	up, down *tokenBucket // shared mode only: client to emulator, emulator to client
}

type networkSettings struct {
	current atomic.Pointer[shaping]
	// handshakes and turns count what the model charged latency for, whether or not latency is set.
	handshakes, turns atomic.Int64
}

func (n *networkSettings) load() *shaping {
	if s := n.current.Load(); s != nil {
		return s
	}
	return &shaping{}
}

// SetNetwork emulates a WAN link of latency round-trip time on which every connection is capped at
// bytesPerSecondPerConn in each direction. It replaces a shared uplink; SetNetwork(0, 0) turns all
// shaping off.
func (i *Injector) SetNetwork(latency time.Duration, bytesPerSecondPerConn int64) {
	i.net.current.Store(&shaping{Shape: Shape{Latency: max(latency, 0), BytesPerSecond: max(bytesPerSecondPerConn, 0)}})
}

// SetSharedUplink emulates a WAN link of latency round-trip time whose bandwidth, bytesPerSecond in each
// direction, is shared by every connection of the emulator: one token bucket per direction. It replaces
// the per-connection caps of SetNetwork.
func (i *Injector) SetSharedUplink(latency time.Duration, bytesPerSecond int64) {
	i.net.current.Store(&shaping{Shape: Shape{Latency: max(latency, 0), BytesPerSecond: max(bytesPerSecond, 0), Shared: true},
		up: &tokenBucket{}, down: &tokenBucket{}})
}

// Network returns the current latency and bandwidth; NetworkShape tells whether the bandwidth is shared.
func (i *Injector) Network() (latency time.Duration, bytesPerSecond int64) {
	s := i.net.load()
	return s.Latency, s.BytesPerSecond
}

// NetworkShape returns the current shaping settings.
func (i *Injector) NetworkShape() Shape { return i.net.load().Shape }

// Conversation counts the round trips the WAN model saw since the Injector was made, whether or not
// latency was set: tests use it to check how many round trips a client made.
type Conversation struct {
	Handshakes int64 // connections that sent their first bytes, each one RTT
	Turns      int64 // changes of direction, each half an RTT
}

// Conversation returns the counts so far.
func (i *Injector) Conversation() Conversation {
	return Conversation{Handshakes: i.net.handshakes.Load(), Turns: i.net.turns.Load()}
}

// ShapeListener wraps l so that every accepted connection obeys the settings of SetNetwork or
// SetSharedUplink.
func (i *Injector) ShapeListener(l net.Listener) net.Listener {
	return &shapedListener{Listener: l, net: &i.net}
}

type shapedListener struct {
	net.Listener
	net *networkSettings
}

func (l *shapedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shapedConn{Conn: c, net: l.net}, nil
}

// Directions of a conversation, seen from the emulator.
const (
	dirNone int32 = iota // nothing moved yet
	dirIn                // the client talks: the emulator reads
	dirOut               // the emulator answers: it writes
)

// shapedConn delays each turn of the conversation and throttles each direction with a token bucket.
// Reads are throttled after the fact (the bytes are already here, the caller just does not get to the next
// read sooner than the link allows), writes before each chunk; either way the long-run rate is the cap.
type shapedConn struct {
	net.Conn
	net    *networkSettings
	rd, wr tokenBucket // per-connection mode
	last   atomic.Int32
}

func (c *shapedConn) Read(p []byte) (int, error) {
	s := c.net.load()
	if s.BytesPerSecond > 0 {
		p = p[:min(len(p), burst(s.BytesPerSecond))]
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		// Charged at the settings of now: net/http keeps a read pending across requests, and a test that
		// changed the profile in between expects its next request to pay the new latency.
		s = c.net.load()
		c.turn(s, dirIn)
		if s.BytesPerSecond > 0 {
			time.Sleep(c.bucket(s, dirIn).take(n, s.BytesPerSecond))
		}
	}
	return n, err
}

func (c *shapedConn) Write(p []byte) (int, error) {
	if len(p) > 0 {
		c.turn(c.net.load(), dirOut)
	}
	written := 0
	for len(p) > 0 {
		s := c.net.load()
		if s.BytesPerSecond <= 0 {
			n, err := c.Conn.Write(p)
			return written + n, err
		}
		chunk := min(len(p), burst(s.BytesPerSecond))
		time.Sleep(c.bucket(s, dirOut).take(chunk, s.BytesPerSecond))
		n, err := c.Conn.Write(p[:chunk])
		written += n
		if err != nil {
			return written, err
		}
		p = p[n:]
	}
	return written, nil
}

// turn charges latency when the conversation changes direction: half a round trip for the bytes to cross
// the link, plus a whole one (the TCP handshake) before a connection's first bytes. It counts the last
// direction that moved bytes, not calls: net/http's server keeps a read pending while a handler writes
// and writes one response in several calls, and a request/response still pays one round trip (two with
// "Expect: 100-continue"). A full-duplex stream would pay a turn at every switch; HTTP/1.1 is not one.
func (c *shapedConn) turn(s *shaping, dir int32) {
	prev := c.last.Swap(dir)
	if prev == dir {
		return
	}
	wait := s.Latency / 2
	if prev == dirNone {
		c.net.handshakes.Add(1)
		wait += s.Latency
	}
	c.net.turns.Add(1)
	if wait > 0 {
		time.Sleep(wait)
	}
}

func (c *shapedConn) bucket(s *shaping, dir int32) *tokenBucket {
	switch {
	case s.Shared && dir == dirIn:
		return s.up
	case s.Shared:
		return s.down
	case dir == dirIn:
		return &c.rd
	default:
		return &c.wr
	}
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
