//go:build !csdr_noactions

package main

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRestoreRunsOnOneProc(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	tests := []struct {
		name, env    string
		before, want int
	}{
		{"one P once the process serves a restore", "", 4, 1},
		{"the operator's GOMAXPROCS wins", "3", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMAXPROCS", tt.env)
			runtime.GOMAXPROCS(tt.before)
			restoreOnOneProc()
			assert.Equal(t, tt.want, runtime.GOMAXPROCS(0))
		})
	}
}
