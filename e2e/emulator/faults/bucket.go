package faults

import (
	"sync"
	"time"
)

// burst is the largest chunk moved at once: 50 ms worth of the rate, bounded so that slow links still make
// steady progress and fast links do not hand out huge bursts.
func burst(rate int64) int {
	return int(min(max(rate/20, 1024), 256<<10))
}

// tokenBucket paces one direction of a link. Shared by several connections, it hands each one its turn
// in the order they asked: every take adds to the debt the next caller waits for.
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
