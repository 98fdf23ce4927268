package ecs

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// Throttling backoff: ECS rate limits are per account and API, so once one call is throttled every
// call in the process waits, and the wait doubles while throttling goes on.
const (
	throttleBase     = 500 * time.Millisecond
	throttleMax      = 30 * time.Second
	throttleAttempts = 8
)

// processThrottle is shared by every client in the plugin process: all locations of one account hit
// the same limits.
var processThrottle = newThrottle(clock.RealClock{})

type throttle struct {
	clock clock.WithTicker
	// jitter draws from [0, n); rand.Int64N but in tests.
	jitter func(n int64) int64

	mu       sync.Mutex
	until    time.Time // no call starts before this
	failures int       // consecutive throttled calls
}

func newThrottle(c clock.WithTicker) *throttle { return &throttle{clock: c, jitter: rand.Int64N} }

// do runs fn after any backoff in force and retries it while it is throttled. Other errors return at
// once: retrying a refused or failed call blindly could repeat a side effect.
func (t *throttle) do(ctx context.Context, fn func() error) error {
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

func (t *throttle) wait(ctx context.Context) error {
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

func (t *throttle) throttled() {
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

func (t *throttle) succeeded(err error) {
	if err != nil {
		return // a refused call says nothing about the rate limit
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures = 0
}
