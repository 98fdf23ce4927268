package v1alpha1

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPhases(t *testing.T) {
	tests := []struct {
		phase             Phase
		terminal, success bool
	}{
		{phase: ""},
		{phase: PhaseNew},
		{phase: PhasePreparing},
		{phase: PhaseInProgress},
		{phase: PhaseCanceling},
		{phase: PhaseCompleted, terminal: true, success: true},
		{phase: PhasePartiallyFailed, terminal: true},
		{phase: PhaseFailed, terminal: true},
		{phase: PhaseCanceled, terminal: true},
	}
	covered := map[Phase]bool{}
	for _, tc := range tests {
		t.Run(string(tc.phase), func(t *testing.T) {
			assert.Equal(t, tc.terminal, tc.phase.IsTerminal(), "IsTerminal")
			assert.Equal(t, tc.success, tc.phase.IsSuccess(), "IsSuccess")
		})
		covered[tc.phase] = true
	}
	for _, p := range Phases {
		assert.True(t, covered[p], "phase %s has no case", p)
	}
}
