package acs

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/internal/clocktest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

var errThrottled = &cloud.Error{Service: "ecs", Operation: "Op", Kind: cloud.ErrThrottled, Code: "Throttling.User"}
var errRefused = &cloud.Error{Service: "ecs", Operation: "Op", Kind: cloud.ErrInvalid, Code: "IncorrectDiskStatus"}

func TestThrottleRetriesUntilSuccessAndBacksOff(t *testing.T) {
	clk := clocktest.Stepping(t, time.Unix(0, 0), time.Second, nil)
	th := NewThrottle(clk)

	var calls int32
	err := th.Do(context.Background(), func() error {
		if atomic.AddInt32(&calls, 1) <= 3 {
			return errThrottled
		}
		return nil
	})
	require.NoError(t, err)
	assert.EqualValues(t, 4, calls)
	assert.GreaterOrEqual(t, clk.Since(time.Unix(0, 0)), throttleBase/2+throttleBase+2*throttleBase, "waited between attempts")
	assert.Zero(t, th.failures, "success resets the backoff")
}

// Each throttled call waits twice as long as the one before, from 500 ms up to 30 s, less a random
// part of up to half, so that callers held together do not return as one burst.
func TestThrottleBackoffDoublesUpToTheCap(t *testing.T) {
	full := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
		16 * time.Second, throttleMax, throttleMax, throttleMax}
	tests := []struct {
		name   string
		jitter func(int64) int64
		want   func(full time.Duration) (lo, hi time.Duration)
	}{
		{name: "largest draw: the full delay", jitter: func(n int64) int64 { return n - 1 },
			want: func(d time.Duration) (time.Duration, time.Duration) { return d, d }},
		{name: "smallest draw: half the delay", jitter: func(int64) int64 { return 0 },
			want: func(d time.Duration) (time.Duration, time.Duration) { return d / 2, d / 2 }},
		{name: "random draws stay within half and full", jitter: rand.Int64N,
			want: func(d time.Duration) (time.Duration, time.Duration) { return d / 2, d }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clocktesting.NewFakeClock(time.Unix(0, 0))
			th := NewThrottle(clk)
			th.jitter = tt.jitter
			for i, d := range full {
				th.throttled()
				got := th.until.Sub(clk.Now())
				lo, hi := tt.want(d)
				assert.GreaterOrEqual(t, got, lo, "delay after %d throttled calls", i+1)
				assert.LessOrEqual(t, got, hi, "delay after %d throttled calls", i+1)
				clk.Step(got) // the wait is over: the next delay starts from now
			}
			th.succeeded(nil)
			th.throttled()
			lo, hi := tt.want(throttleBase)
			got := th.until.Sub(clk.Now())
			assert.True(t, got >= lo && got <= hi, "a success starts the doubling over: %v", got)
		})
	}
}

// A refused call says nothing about the rate limit: the doubling goes on.
func TestThrottleKeepsDoublingAcrossRefusedCalls(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	th := NewThrottle(clk)
	th.jitter = func(n int64) int64 { return n - 1 }
	th.throttled()
	clk.Step(throttleBase)
	th.succeeded(errRefused)
	th.throttled()
	assert.Equal(t, 2*throttleBase, th.until.Sub(clk.Now()))
}

func TestThrottleIsSharedByAllCalls(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	th := NewThrottle(clk)
	th.throttled() // another call was just throttled
	started := make(chan struct{})
	go func() {
		_ = th.Do(context.Background(), func() error { close(started); return nil })
	}()
	// The call waits on the clock, which stands still until stepped.
	assert.EventuallyWithT(t, func(c *assert.CollectT) { assert.True(c, clk.HasWaiters()) }, 10*time.Second, time.Millisecond)
	select {
	case <-started:
		t.Fatal("a call started while the process was backing off")
	default:
	}
	clk.Step(throttleBase)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not start after the backoff")
	}
}

func TestThrottleGivesUpAndDoesNotRetryOtherErrors(t *testing.T) {
	clk := clocktest.Stepping(t, time.Unix(0, 0), time.Second, nil)
	th := NewThrottle(clk)

	var calls int32
	err := th.Do(context.Background(), func() error { atomic.AddInt32(&calls, 1); return errThrottled })
	assert.ErrorIs(t, err, cloud.ErrThrottled)
	assert.EqualValues(t, throttleAttempts, calls)

	calls = 0
	th = NewThrottle(clk)
	err = th.Do(context.Background(), func() error { atomic.AddInt32(&calls, 1); return errRefused })
	assert.ErrorIs(t, err, cloud.ErrInvalid)
	assert.EqualValues(t, 1, calls, "a refused call is not repeated")
}

func TestThrottleStopsWithTheContext(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	th := NewThrottle(clk)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls int32
	result := make(chan error, 1)
	go func() {
		result <- th.Do(ctx, func() error { atomic.AddInt32(&calls, 1); return errThrottled })
	}()
	assert.EventuallyWithT(t, func(c *assert.CollectT) {
		assert.EqualValues(c, 1, atomic.LoadInt32(&calls))
		assert.True(c, clk.HasWaiters(), "backing off")
	}, 10*time.Second, time.Millisecond)
	cancel()
	err := <-result
	assert.ErrorIs(t, err, cloud.ErrThrottled, "the last throttling error, not just context canceled")
	assert.EqualValues(t, 1, atomic.LoadInt32(&calls))
}
