package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// A benchmark must finish on any machine: with its numbers, or with a message that names the step too
// slow to get them and its rate. Its budget is a hard cap on its whole run (every step's context
// derives from it), and each long step is watched: from the step's own progress the watchdog projects
// when the benchmark would end, and stops the step as soon as that is past the cap, rather than letting
// the cap kill it blind. A step that has no progress to read gets a deadline scaled from the step it is
// compared with (the baseline side of a pair).
//
// The caps add up to the Makefile's `go test -timeout` for `make bench` (see benchCaps).

// Hard caps of the benchmarks, each the longest its benchmark may take on a slow 2-core machine: about
// three times what it takes on an idle one (the restore: two pairs of restores of 10,004 items at 22
// items/s, as a fresh clone measured on a busy machine, and their set-up).
const (
	restoreCap = 45 * time.Minute
	disksCap   = 25 * time.Minute
	fsbCap     = 20 * time.Minute
	hbrCap     = 10 * time.Minute
	syncCap    = 10 * time.Minute
)

// benchCaps is what the capped benchmarks may take in all (110 minutes): the Makefile's bench target
// gives go test this, the upload benchmarks' 20 minutes and a margin of 10 (BENCH_TIMEOUT, 140m).
const benchCaps = restoreCap + disksCap + fsbCap + hbrCap + syncCap

// budget is one benchmark's time.
type budget struct {
	name     string
	began    time.Time
	deadline time.Time
	// period is how often the watchdog reads a step's progress, and warmUp how long it lets a step run
	// before it trusts the rate (start-up costs would make the rate look worse than it is).
	period, warmUp time.Duration
}

// newBudget starts the budget of the benchmark called name; the context ends at its cap.
func newBudget(name string, capacity time.Duration) (*budget, context.Context, context.CancelFunc) {
	now := time.Now()
	bg := &budget{name: name, began: now, deadline: now.Add(capacity), period: 10 * time.Second, warmUp: time.Minute}
	ctx, cancel := context.WithDeadline(context.Background(), bg.deadline)
	return bg, ctx, cancel
}

// left is what remains of the budget.
func (bg *budget) left() time.Duration { return time.Until(bg.deadline) }

// fits reports whether something expected to take d still fits in the budget, and if not why.
func (bg *budget) fits(what string, d time.Duration) (bool, string) {
	if d <= bg.left() {
		return true, ""
	}
	return false, fmt.Sprintf("%s would take about %s, %s of the %s budget (%s) are left", what, minutes(d),
		minutes(bg.left()), bg.name, minutes(bg.deadline.Sub(bg.began)))
}

// step is a long step the watchdog watches.
type step struct {
	// name says what the step is, as the message names it: "restore without actions (restore-c1)".
	name string
	// unit is what progress counts ("items") and total how many of them the step does.
	unit  string
	total int
	// done reads how many units are done; nil when the step has no progress to read.
	done func(ctx context.Context) (int, error)
	// after is how long the benchmark still needs once the step is done, as a multiple of the step's
	// own time (1 when a step as long comes after it): the watchdog stops the step when the benchmark
	// cannot end within its cap, not only the step.
	after float64
	// limit, when not zero, ends the step after that long whatever its progress: the deadline scaled
	// from a baseline, for a step without progress to read.
	limit time.Duration
}

// watch starts watching s. It returns the step's context and a function to call when the step has
// returned: nil when the step was not stopped, else an error that names the step and its rate.
func (bg *budget) watch(ctx context.Context, s step) (context.Context, func() error) {
	ctx, cancel := context.WithCancel(ctx)
	if s.limit > 0 {
		var cancelLimit context.CancelFunc
		ctx, cancelLimit = context.WithTimeout(ctx, s.limit)
		inner := cancel
		cancel = func() { cancelLimit(); inner() }
	}
	start := time.Now()
	var (
		mu     sync.Mutex
		reason error
	)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(bg.period)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if s.done == nil {
				continue
			}
			n, err := s.done(ctx)
			if err != nil || n <= 0 || time.Since(start) < bg.warmUp {
				continue
			}
			if why := bg.projection(s, n, time.Since(start)); why != nil {
				mu.Lock()
				reason = why
				mu.Unlock()
				cancel()
				return
			}
		}
	}()
	return ctx, func() error {
		cause := ctx.Err()
		cancel()
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		switch {
		case reason != nil:
			return reason
		case cause == nil:
			return nil
		case s.limit > 0 && time.Since(start) >= s.limit:
			return fmt.Errorf("%s: not done after %s, the limit scaled from its baseline", s.name, minutes(s.limit))
		case errors.Is(cause, context.DeadlineExceeded):
			return fmt.Errorf("%s: not done when the %s budget (%s) ran out, after %s", s.name, bg.name,
				minutes(bg.deadline.Sub(bg.began)), minutes(time.Since(start)))
		}
		return nil
	}
}

// run runs fn as the watched step s, and fails the benchmark with the watchdog's reason when it stopped
// the step, also when fn failed first on the context the watchdog ended.
func (bg *budget) run(ctx context.Context, b *testing.B, s step, fn func(ctx context.Context)) {
	stepCtx, stop := bg.watch(ctx, s)
	returned := false
	defer func() {
		if returned {
			return
		}
		// fn failed the benchmark (FailNow): say why the step's context ended, if the watchdog ended it.
		if err := stop(); err != nil {
			b.Error(err)
		}
	}()
	fn(stepCtx)
	returned = true
	if err := stop(); err != nil {
		b.Fatal(err)
	}
}

// projection returns why the benchmark cannot end within its cap at the step's rate, or nil.
func (bg *budget) projection(s step, n int, elapsed time.Duration) error {
	rate := float64(n) / elapsed.Seconds()
	whole := time.Duration(float64(s.total) / rate * float64(time.Second))
	end := time.Now().Add(whole - elapsed).Add(time.Duration(s.after * float64(whole)))
	if !end.After(bg.deadline) {
		return nil
	}
	then := ""
	if s.after > 0 {
		then = fmt.Sprintf(", and what follows it about %s more", minutes(time.Duration(s.after*float64(whole))))
	}
	return fmt.Errorf("%s: %.1f %s/s after %s, %d %s would need %s%s; %s of the %s budget (%s) are left: this machine is too "+
		"slow or too busy for the benchmark", s.name, rate, s.unit, minutes(elapsed), s.total, s.unit, minutes(whole), then,
		minutes(bg.left()), bg.name, minutes(bg.deadline.Sub(bg.began)))
}

// scaled is a step's limit from its baseline's time: factor times it, with slack for start-up, never
// more than what is left.
func (bg *budget) scaled(baseline time.Duration, factor float64, slack time.Duration) time.Duration {
	return min(time.Duration(factor*float64(baseline))+slack, bg.left())
}

// minutes prints a duration the way the messages speak: "447 s", "14.2 min".
func minutes(d time.Duration) string {
	if d < 10*time.Minute {
		return fmt.Sprintf("%.0f s", d.Seconds())
	}
	return fmt.Sprintf("%.1f min", d.Minutes())
}
