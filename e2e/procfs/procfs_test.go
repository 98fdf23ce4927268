package procfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

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
