package acs

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/internal/clocktest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

var errLost = &cloud.Error{Service: "ecs", Operation: "Op", Kind: cloud.ErrUnavailable, Code: "InternalError"}

func TestRetryLost(t *testing.T) {
	tests := []struct {
		name      string
		answers   []error
		wantErr   error
		wantCalls int
	}{
		{"success at once", []error{nil}, nil, 1},
		{"lost, then success", []error{errLost, nil}, nil, 2},
		{"lost every time: gives up", []error{errLost, errLost, errLost, nil}, cloud.ErrUnavailable, LostAttempts},
		{"refused: not repeated", []error{errRefused, nil}, cloud.ErrInvalid, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th := NewThrottle(clocktest.Stepping(t, time.Unix(0, 0), time.Second, nil))
			calls := 0
			err := RetryLost(context.Background(), th, func() error {
				calls++
				return tt.answers[calls-1]
			})
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.wantErr)
			}
			assert.Equal(t, tt.wantCalls, calls)
		})
	}
}

func TestRuntimeBoundsByDeadline(t *testing.T) {
	rt, ok := Runtime(context.Background(), 90*time.Second)
	require.True(t, ok)
	assert.Equal(t, 90_000, *rt.ReadTimeout)
	assert.Equal(t, 10_000, *rt.ConnectTimeout)
	assert.False(t, *rt.Autoretry)

	past, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	_, ok = Runtime(past, time.Minute)
	assert.False(t, ok, "no time left")
}
