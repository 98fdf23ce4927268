package objectstore

import (
	"io"
	"sync/atomic"
	"time"
)

// Bounds on reading what is left of Velero's stream after an upload failed. Velero's gRPC client sends a
// body in 1 MiB messages and sees the plugin's error only after it has sent the last one; if the plugin
// stops reading earlier, the client reports a bare "EOF" instead. Velero's metadata objects, logs and
// resource-only tarballs are far below maxDrainBytes, so for them users see the real error, and 256 MiB
// over a local gRPC stream takes about a second. A larger or stalled stream is abandoned: a bare EOF
// (with the real error in the log) is better than holding velero server's worker for as long as the
// stream lasts, possibly forever.
const (
	maxDrainBytes = 256 << 20
	maxDrainTime  = 30 * time.Second
)

// drainer reads and discards the rest of a body, within limits.
type drainer struct {
	maxBytes int64
	maxTime  time.Duration
	after    func(time.Duration) <-chan time.Time // time.After; tests fire it themselves
}

func defaultDrainer() drainer {
	return drainer{maxBytes: maxDrainBytes, maxTime: maxDrainTime, after: time.After}
}

// drained is what a drain read, and whether it reached the end of the body.
type drained struct {
	bytes    int64
	complete bool
}

// drain returns when body ends or fails, maxBytes are read or maxTime passes, whichever comes first. A
// read still blocked then is left behind; it returns when Velero's stream closes, which happens when
// the plugin's PutObject returns.
func (d drainer) drain(body io.Reader) drained {
	var n atomic.Int64
	done := make(chan bool, 1)
	go func() {
		_, err := io.CopyN(countingDiscard{&n}, body, d.maxBytes)
		done <- err != nil // io.EOF before maxBytes, or a broken stream: nothing more will come
	}()
	select {
	case complete := <-done:
		return drained{bytes: n.Load(), complete: complete}
	case <-d.after(d.maxTime):
		return drained{bytes: n.Load()}
	}
}

type countingDiscard struct{ n *atomic.Int64 }

func (c countingDiscard) Write(p []byte) (int, error) {
	c.n.Add(int64(len(p)))
	return len(p), nil
}
