// Package acs holds what the clients of Alibaba Cloud's RPC APIs (ECS, HBR) share: one SDK client per
// region behind the endpoint override, the throttling backoff, the bounds and retries of one call, and
// reading request IDs, messages and classes out of SDK answers and errors.
package acs

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// Throttling backoff: Alibaba Cloud rate limits are per account and API, so once one call is throttled
// every call of the service in the process waits, and the wait doubles while throttling goes on.
const (
	throttleBase     = 500 * time.Millisecond
	throttleMax      = 30 * time.Second
	throttleAttempts = 8
)

// Throttle holds back every call of one service after one of them was throttled.
type Throttle struct {
	clock clock.WithTicker
	// jitter draws from [0, n); rand.Int64N but in tests.
	jitter func(n int64) int64

	mu       sync.Mutex
	until    time.Time // no call starts before this
	failures int       // consecutive throttled calls
}

// NewThrottle returns a backoff paced by c.
func NewThrottle(c clock.WithTicker) *Throttle { return &Throttle{clock: c, jitter: rand.Int64N} }

// Clock is the clock the backoff waits on; retries of lost answers wait on it too.
func (t *Throttle) Clock() clock.WithTicker { return t.clock }

// Do runs fn after any backoff in force and retries it while it is throttled. Other errors return at
// once: retrying a refused or failed call blindly could repeat a side effect.
func (t *Throttle) Do(ctx context.Context, fn func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if werr := t.wait(ctx); werr != nil {
			if err != nil {
				return err // the throttling error says more than "context canceled"
			}
			return werr
		}
		err = fn()
		if !errors.Is(err, cloud.ErrThrottled) {
			t.succeeded(err)
			return err
		}
		t.throttled()
		if attempt == throttleAttempts {
			return err
		}
	}
}

func (t *Throttle) wait(ctx context.Context) error {
	t.mu.Lock()
	d := t.until.Sub(t.clock.Now())
	t.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	timer := t.clock.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *Throttle) throttled() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures++
	d := min(throttleBase<<min(t.failures-1, 16), throttleMax)
	// Jitter spreads the callers that were held together, so they do not return as one burst.
	d = d/2 + time.Duration(t.jitter(int64(d/2)+1))
	if until := t.clock.Now().Add(d); until.After(t.until) {
		t.until = until
	}
}

func (t *Throttle) succeeded(err error) {
	if err != nil {
		return // a refused call says nothing about the rate limit
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures = 0
}
