package bench

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// steadyStep is a step of total units done at rate units a second from its start, and ends when they
// are done or its context ends.
func steadyStep(ctx context.Context, total int, rate float64) (func(context.Context) (int, error), func()) {
	start := time.Now()
	done := func(context.Context) (int, error) {
		return min(total, int(time.Since(start).Seconds()*rate)), nil
	}
	run := func() {
		select {
		case <-ctx.Done():
		case <-time.After(time.Duration(float64(total) / rate * float64(time.Second))):
		}
	}
	return done, run
}

func TestBudgetStopsAStepThatCannotFinishAndSaysItsRate(t *testing.T) {
	tests := []struct {
		name    string
		cap     time.Duration
		rate    float64
		after   float64
		limit   time.Duration
		wantErr string // a regular expression: the seconds in the message depend on the machine's load
	}{
		{name: "fast enough", cap: 2 * time.Second, rate: 1000},
		{name: "too slow for the cap", cap: 2 * time.Second, rate: 100,
			wantErr: ` items/s after \d+ s, 1000 items would need \d+ s; \d+ s of the bench budget \(2 s\) are left`},
		{name: "fast enough alone, not with what follows", cap: 2 * time.Second, rate: 800, after: 1,
			wantErr: `1000 items would need \d+ s, and what follows it about \d+ s more`},
		{name: "past the limit scaled from the baseline", cap: 5 * time.Second, rate: 400, limit: 500 * time.Millisecond,
			wantErr: `restore without actions \(restore-c1\): not done after \d+ s, the limit scaled from its baseline`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bg, ctx, cancel := newBudget("bench", tt.cap)
			defer cancel()
			bg.period, bg.warmUp = 20*time.Millisecond, 100*time.Millisecond
			started := time.Now()
			// The step gets its context from watch, so it is made with a placeholder progress first.
			var done func(context.Context) (int, error)
			s := step{name: "restore without actions (restore-c1)", unit: "items", total: 1000, after: tt.after, limit: tt.limit,
				done: func(ctx context.Context) (int, error) { return done(ctx) }}
			stepCtx, stop := bg.watch(ctx, s)
			var run func()
			done, run = steadyStep(stepCtx, 1000, tt.rate)
			run()
			err := stop()
			if tt.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Regexp(t, tt.wantErr, err.Error())
			assert.Less(t, time.Since(started), tt.cap, "stopped before the cap ran out")
		})
	}
}

func TestBudgetFits(t *testing.T) {
	bg, _, cancel := newBudget("restore", time.Hour)
	defer cancel()
	ok, _ := bg.fits("another pair", 10*time.Minute)
	assert.True(t, ok)
	ok, why := bg.fits("another pair", 2*time.Hour)
	assert.False(t, ok)
	assert.Contains(t, why, "another pair would take about 120.0 min, 60.0 min of the restore budget (60.0 min) are left")
}

func TestMedianOf(t *testing.T) {
	tests := []struct {
		sorted []float64
		want   float64
	}{
		{[]float64{1.2}, 1.2},
		{[]float64{0.8, 1.2}, 1.0},
		{[]float64{0.8, 1.0, 1.3}, 1.0},
		{[]float64{0.8, 0.9, 1.1, 1.3}, 1.0},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, medianOf(tt.sorted), 1e-9, "%v", tt.sorted)
	}
}
