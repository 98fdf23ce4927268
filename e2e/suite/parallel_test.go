//go:build e2e

package suite

import (
	"flag"
	"fmt"
	"strconv"
	"testing"
	"time"
)

// slots bounds the parallel tests that run at once to go test's -parallel. The suite keeps the count
// itself, not go test, so that the longest test can start with the parallel ones, not whenever a slot
// frees: go test starts waiting parallel tests in no set order, and a five-minute test started last
// ends the suite five minutes after the others.
var slots chan struct{}

// takeOverParallel reads go test's -parallel as the suite's width and lifts go test's own limit above
// any number of tests, so that a test waiting here for a slot does not also hold one of go test's.
// It runs in TestMain, before m.Run.
func takeOverParallel() error {
	flag.Parse()
	f := flag.Lookup("test.parallel")
	if f == nil {
		return fmt.Errorf("go test has no -test.parallel flag")
	}
	width, err := strconv.Atoi(f.Value.String())
	if err != nil || width < 1 {
		return fmt.Errorf("-parallel=%s: want a positive count", f.Value)
	}
	slots = make(chan struct{}, width)
	return f.Value.Set(strconv.Itoa(1 << 16))
}

// parallel runs t beside the other parallel tests, once one of the -parallel slots is free.
// Subtests call t.Parallel: their parent already holds a slot.
func parallel(t *testing.T) {
	t.Helper()
	t.Parallel()
	start := time.Now()
	slots <- struct{}{}
	t.Cleanup(func() { <-slots }) // the first cleanup registered runs last, after the test's own
	// go test's time for the test counts the wait too.
	if waited := time.Since(start); waited > time.Second {
		t.Logf("waited %s for one of the %d parallel slots", waited.Round(time.Second), cap(slots))
	}
}

// parallelFromTheStart runs t beside the other parallel tests as soon as they may start, outside the
// -parallel slots: for a long test that mostly waits (for Velero's once-a-minute sync) on clusters of
// its own.
func parallelFromTheStart(t *testing.T) {
	t.Helper()
	t.Parallel()
}
