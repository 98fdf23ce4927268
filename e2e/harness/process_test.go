package harness

import (
	"context"
	"fmt"
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
	// The parent ignores SIGTERM, so only the SIGKILL after the grace period ends it... and a child in
	// its group must end with it. "started" is logged before the PID file is written, so it is in the log
	// by the time the test reads the PID.
	p, child := startWithChild(t, &ps, "parent", `trap "" TERM; echo started; `)
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
	assert.ErrorContains(t, p.ExitError(), "signal: killed", "SIGTERM was ignored, so SIGKILL ended the parent")
}

// startWithChild starts a shell that runs prelude, then a child in its group, and waits for it; it
// returns the shell and the child's PID.
func startWithChild(t *testing.T, ps *Processes, name, prelude string) (*Process, int) {
	t.Helper()
	dir := t.TempDir()
	childPID := filepath.Join(dir, "child.pid")
	p, err := ps.Start(name, filepath.Join(dir, "parent.log"), os.Environ(), "/bin/sh", "-c",
		prelude+`sleep 300 & echo $! > `+childPID+`; wait`)
	require.NoError(t, err)
	var child int
	require.NoError(t, waitFor(context.Background(), 10*time.Second, "child", p, func(context.Context) error {
		var err error
		child, err = readPIDFile(childPID)
		return err
	}))
	return p, child
}

// readPIDFile reads a PID that a shell writes with "echo $! > file". The shell creates the file before
// it writes to it, so a file that exists may still be empty: only a complete line counts.
func readPIDFile(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	line, complete := strings.CutSuffix(string(data), "\n")
	if !complete {
		return 0, fmt.Errorf("%s: no complete line yet: %q", path, data)
	}
	return strconv.Atoi(line)
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

// A wait on several components (nodes Ready needs kube-controller-manager and kwok) ends as soon as
// any of them dies, not at its timeout.
func TestWaitWhileRunningReportsAnyExitedProcess(t *testing.T) {
	var ps Processes
	dir := t.TempDir()
	sleeper, err := ps.Start("sleeper", filepath.Join(dir, "s.log"), os.Environ(), "/bin/sh", "-c", "sleep 300")
	require.NoError(t, err)
	quitter, err := ps.Start("kwok", filepath.Join(dir, "k.log"), os.Environ(), "/bin/sh", "-c", "echo no stages; exit 1")
	require.NoError(t, err)
	err = waitWhileRunning(context.Background(), time.Minute, "nodes Ready", []*Process{sleeper, nil, quitter},
		func(context.Context) error { return assert.AnError })
	require.Error(t, err)
	assert.Contains(t, err.Error(), "wait for nodes Ready: kwok exited (exit status 1)")
	assert.Contains(t, err.Error(), "no stages")
	require.NoError(t, ps.StopAll())
}

// Pausing a cluster stops its processes and their children, and nothing of another cluster.
func TestPauseStopsTheClusterAndItsChildrenOnly(t *testing.T) {
	s := &Session{Procs: Processes{StopGrace: 5 * time.Second}}
	parent, child := startWithChild(t, &s.Procs, "x/velero-server", "")
	other, err := s.Procs.Start("y/etcd", filepath.Join(t.TempDir(), "e.log"), os.Environ(), "/bin/sh", "-c", "sleep 300")
	require.NoError(t, err)
	stopped := func(pid int) bool {
		for _, p := range procfs.List() {
			if p.PID == pid {
				return p.State == 'T'
			}
		}
		return false
	}
	c := &Cluster{Name: "x", session: s}
	resume := c.Pause()
	assert.Eventually(t, func() bool { return stopped(parent.PID()) && stopped(child) }, 10*time.Second, 10*time.Millisecond,
		"velero server and its plugin are stopped")
	assert.False(t, stopped(other.PID()), "another cluster's process runs on")
	resume()
	assert.Eventually(t, func() bool { return !stopped(parent.PID()) && !stopped(child) }, 10*time.Second, 10*time.Millisecond,
		"both run again")

	c.Pause()
	start := time.Now()
	require.NoError(t, s.Procs.StopAll())
	assert.Less(t, time.Since(start), s.Procs.StopGrace, "a paused process is continued to see its SIGTERM")
}
