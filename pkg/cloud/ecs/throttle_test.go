package ecs

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

var errThrottled = &cloud.Error{Service: "ecs", Operation: "Op", Kind: cloud.ErrThrottled, Code: "Throttling.User"}
var errRefused = &cloud.Error{Service: "ecs", Operation: "Op", Kind: cloud.ErrInvalid, Code: "IncorrectDiskStatus"}

// advance steps the fake clock whenever someone waits on it, until done is closed.
func advance(clk *clocktesting.FakeClock, done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		default:
		}
		if clk.HasWaiters() {
			clk.Step(time.Second)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestThrottleRetriesUntilSuccessAndBacksOff(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	th := newThrottle(clk)
	done := make(chan struct{})
	defer close(done)
	go advance(clk, done)

	var calls int32
	err := th.do(context.Background(), func() error {
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

func TestThrottleIsSharedByAllCalls(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	th := newThrottle(clk)
	th.throttled() // another call was just throttled
	started := make(chan struct{})
	go func() {
		_ = th.do(context.Background(), func() error { close(started); return nil })
	}()
	select {
	case <-started:
		t.Fatal("a call started while the process was backing off")
	case <-time.After(50 * time.Millisecond):
	}
	require.Eventually(t, clk.HasWaiters, time.Second, time.Millisecond)
	clk.Step(throttleBase)
	select {
	case <-started:
	case <-time.After(time.Second):
		t.Fatal("the call did not start after the backoff")
	}
}

func TestThrottleGivesUpAndDoesNotRetryOtherErrors(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	th := newThrottle(clk)
	done := make(chan struct{})
	defer close(done)
	go advance(clk, done)

	var calls int32
	err := th.do(context.Background(), func() error { atomic.AddInt32(&calls, 1); return errThrottled })
	assert.ErrorIs(t, err, cloud.ErrThrottled)
	assert.EqualValues(t, throttleAttempts, calls)

	calls = 0
	th = newThrottle(clk)
	err = th.do(context.Background(), func() error { atomic.AddInt32(&calls, 1); return errRefused })
	assert.ErrorIs(t, err, cloud.ErrInvalid)
	assert.EqualValues(t, 1, calls, "a refused call is not repeated")
}

func TestThrottleStopsWithTheContext(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	th := newThrottle(clk)
	ctx, cancel := context.WithCancel(context.Background())
	var calls int32
	go func() {
		require.Eventually(t, func() bool { return atomic.LoadInt32(&calls) == 1 && clk.HasWaiters() }, time.Second, time.Millisecond)
		cancel()
	}()
	err := th.do(ctx, func() error { atomic.AddInt32(&calls, 1); return errThrottled })
	assert.ErrorIs(t, err, cloud.ErrThrottled, "the last throttling error, not just context canceled")
	assert.EqualValues(t, 1, calls)
}
