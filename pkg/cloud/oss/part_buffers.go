package oss

import "sync/atomic"

// partBuffers hands out part-sized buffers and keeps up to keep of them between uploads, so Velero's
// many uploads per backup reuse the same memory instead of leaving a part size of garbage per part
// for the collector. It never blocks: how many buffers one upload holds at once is bounded by the
// upload itself (parallel parts in flight plus the one being filled).
type partBuffers struct {
	size int
	free chan []byte
	// inUse and peak count buffers handed out and not yet returned, made the ones allocated: for tests
	// of the memory bound and of reuse.
	inUse, peak, made atomic.Int64
}

func newPartBuffers(size int64, keep int) *partBuffers {
	return &partBuffers{size: int(size), free: make(chan []byte, keep)}
}

func (p *partBuffers) get() []byte {
	n := p.inUse.Add(1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	select {
	case b := <-p.free:
		return b
	default:
		p.made.Add(1)
		return make([]byte, p.size)
	}
}

func (p *partBuffers) put(b []byte) {
	p.inUse.Add(-1)
	select {
	case p.free <- b[:p.size]:
	default: // enough kept; let the collector have it
	}
}
