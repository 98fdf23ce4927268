package acs

import (
	"context"
	"errors"
	"time"

	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// LostAttempts bounds the attempts of a call whose answer was lost.
const LostAttempts = 3

// Runtime bounds one SDK request by the context's deadline and callTimeout, as the SDKs take no
// context, and turns off the SDK's own retries (the throttling backoff retries); ok is false when no
// time is left.
func Runtime(ctx context.Context, callTimeout time.Duration) (runtime *util.RuntimeOptions, ok bool) {
	timeout := callTimeout
	if deadline, ok := ctx.Deadline(); ok {
		timeout = min(timeout, time.Until(deadline))
	}
	if timeout <= 0 {
		return nil, false
	}
	ms := int(timeout.Milliseconds())
	return &util.RuntimeOptions{ReadTimeout: tea.Int(ms), ConnectTimeout: tea.Int(min(ms, 10_000)),
		Autoretry: tea.Bool(false)}, true
}

// RetryLost runs fn, and again up to LostAttempts in all while its answer was lost (cloud.ErrUnavailable),
// waiting a second more each time on the throttle's clock. Only for calls whose repeat is harmless.
func RetryLost(ctx context.Context, t *Throttle, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if !errors.Is(err, cloud.ErrUnavailable) || attempt == LostAttempts || ctx.Err() != nil {
			return err
		}
		if t.Sleep(ctx, time.Duration(attempt)*time.Second) != nil {
			return err
		}
	}
}

// Sleep waits d on the throttle's clock, or until the context ends.
func (t *Throttle) Sleep(ctx context.Context, d time.Duration) error {
	timer := t.clock.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C():
		return nil
	}
}
