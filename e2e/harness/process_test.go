package harness

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
)

// A component's children (velero server's plugins) must not outlive it: StopAll stops the whole group
// and then proves nothing of it is left.
func TestStopAllEndsChildrenToo(t *testing.T) {
	ps := Processes{StopGrace: time.Second}
	dir := t.TempDir()
	childPID := filepath.Join(dir, "child.pid")
	// The parent ignores SIGTERM, so only the SIGKILL after the grace period ends it... and a child in
	// its group must end with it.
	p, err := ps.Start("parent", filepath.Join(dir, "parent.log"), os.Environ(), "/bin/sh", "-c",
		`trap "" TERM; sleep 300 & echo $! > `+childPID+`; echo started; wait`)
	require.NoError(t, err)
	require.NoError(t, waitFor(context.Background(), 10*time.Second, "child", p, func(context.Context) error {
		_, err := os.Stat(childPID)
		return err
	}))
	data, err := os.ReadFile(childPID)
	require.NoError(t, err)
	child, err := strconv.Atoi(strings.TrimSpace(string(data)))
	require.NoError(t, err)
	assert.Len(t, ps.Survivors(), 2)
	assert.ElementsMatch(t, []int{p.PID(), child}, ps.PIDs())

	start := time.Now()
	require.NoError(t, ps.StopAll())
	assert.GreaterOrEqual(t, time.Since(start), ps.StopGrace, "a process that ignores SIGTERM gets the grace period")
	assert.Empty(t, ps.Survivors())
	for _, pr := range procfs.List() {
		if pr.PID == child {
			assert.True(t, pr.Zombie(), "the child is gone (or a zombie waiting for init to reap it)")
		}
	}
	assert.Contains(t, tail(p.LogPath, 5), "started")
}

func TestWaitForReportsAnExitedProcess(t *testing.T) {
	var ps Processes
	p, err := ps.Start("quitter", filepath.Join(t.TempDir(), "q.log"), os.Environ(), "/bin/sh", "-c", "echo boom; exit 3")
	require.NoError(t, err)
	err = waitFor(context.Background(), time.Minute, "readiness", p, func(context.Context) error { return assert.AnError })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "quitter exited (exit status 3)")
	assert.Contains(t, err.Error(), "boom", "the error carries the end of the log")
	require.NoError(t, ps.StopAll())
}
