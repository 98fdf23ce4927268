// Package clocktest gives tests a fake clock that moves on by itself whenever the code under test waits
// on it, so backoffs, polls and timeouts take no real time and no test sleeps and hopes.
package clocktest

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// Stepping returns a fake clock at start that moves on by step whenever something waits on it, until
// the test ends. before, when set, runs before each step, to move another clock (the emulator's) along
// with it; an error from it fails the test and stops the stepping.
func Stepping(t testing.TB, start time.Time, step time.Duration, before func(step time.Duration) error) *clocktesting.FakeClock {
	t.Helper()
	clk := clocktesting.NewFakeClock(start)
	done, stopped := make(chan struct{}), make(chan struct{})
	// Wait for the goroutine, so before never runs after what it touches is cleaned up.
	t.Cleanup(func() { close(done); <-stopped })
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
			if !clk.HasWaiters() {
				continue
			}
			if before != nil {
				if err := before(step); err != nil {
					t.Errorf("step the clock: %v", err)
					return
				}
			}
			clk.Step(step)
		}
	}()
	return clk
}
