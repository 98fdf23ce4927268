package procfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListFindsThisProcessAndItsChild(t *testing.T) {
	cmd := exec.Command("/bin/sleep", "30")
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	var self, child *Proc
	for _, p := range List() {
		switch p.PID {
		case os.Getpid():
			self = &p
		case cmd.Process.Pid:
			child = &p
		}
	}
	require.NotNil(t, self)
	require.NotNil(t, child)
	assert.Equal(t, os.Getpid(), child.PPID)
	assert.Equal(t, "sleep", child.Comm)
	assert.False(t, child.Zombie())
	assert.Equal(t, "sleep", filepath.Base(Exe(cmd.Process.Pid)))

	peak, err := PeakRSS(os.Getpid())
	require.NoError(t, err)
	assert.Greater(t, peak, int64(1<<20))
	_, err = PeakRSS(-1)
	assert.Error(t, err)
}

func TestCPUTimeGrowsWithWorkAndPeakResets(t *testing.T) {
	before, err := CPUTime(os.Getpid())
	require.NoError(t, err)
	for start := time.Now(); time.Since(start) < 150*time.Millisecond; {
	}
	after, err := CPUTime(os.Getpid())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, after-before, 100*time.Millisecond, "a busy loop of 150 ms used the CPU")
	_, err = CPUTime(-1)
	assert.Error(t, err)

	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1
	}
	peak, err := PeakRSS(os.Getpid())
	require.NoError(t, err)
	big = nil
	runtime.GC()
	debug.FreeOSMemory()
	require.NoError(t, ResetPeakRSS(os.Getpid()))
	reset, err := PeakRSS(os.Getpid())
	require.NoError(t, err)
	assert.Less(t, reset, peak-32<<20, "the peak starts again from what is resident now")
}
