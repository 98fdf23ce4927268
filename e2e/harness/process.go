package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
)

// defaultStopGrace is how long a process gets between SIGTERM and SIGKILL.
const defaultStopGrace = 10 * time.Second

// Process is one long-running component started by the harness, in a process group of its own so that
// stopping it also stops what it started (velero server's plugin processes).
type Process struct {
	Name    string
	LogPath string
	grace   time.Duration
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
}

// Processes is every process a harness session started; Stop ends them all and proves none is left.
type Processes struct {
	// StopGrace is how long a process gets between SIGTERM and SIGKILL; zero means 10 seconds.
	StopGrace time.Duration

	mu    sync.Mutex
	procs []*Process
	// pgids holds every process group ever started, so a survivor is found even after its leader exited.
	pgids map[int]string
}

// Start runs bin with args, logging stdout and stderr to logPath. env is the complete environment.
func (ps *Processes) Start(name, logPath string, env []string, bin string, args ...string) (*Process, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open log of %s: %w", name, err)
	}
	defer logFile.Close()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Setpgid: a group of its own, so Ctrl-C in the terminal reaches the harness (which stops everything
	// in order) and not each component at once. Pdeathsig: if the harness dies anyway, so does the child.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	grace := ps.StopGrace
	if grace == 0 {
		grace = defaultStopGrace
	}
	p := &Process{Name: name, LogPath: logPath, grace: grace, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.pgids == nil {
		ps.pgids = map[int]string{}
	}
	ps.procs = append(ps.procs, p)
	ps.pgids[cmd.Process.Pid] = name
	return p, nil
}

// PID is the process ID, which is also its process group ID.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited is closed when the process has ended.
func (p *Process) Exited() <-chan struct{} { return p.done }

// ExitError describes how the process ended, with the end of its log.
func (p *Process) ExitError() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	return fmt.Errorf("%s exited (%v); last lines of %s:\n%s", p.Name, p.waitErr, p.LogPath, tail(p.LogPath, 15))
}

// Stop sends SIGTERM to the process group, then SIGKILL after the grace period.
func (p *Process) Stop() {
	select {
	case <-p.done:
		// The leader is gone; its group may not be (plugins of a killed velero server).
		_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
		return
	default:
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGTERM)
	// A paused group would only see its SIGTERM once continued, and get killed after the grace period.
	_ = syscall.Kill(-p.PID(), syscall.SIGCONT)
	select {
	case <-p.done:
	case <-time.After(p.grace):
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
	<-p.done
}

// Pause stops the process and the rest of its group (SIGSTOP) until Resume: they keep their state and
// connections but use no CPU.
func (p *Process) Pause() { _ = syscall.Kill(-p.PID(), syscall.SIGSTOP) }

// Resume continues a paused process group.
func (p *Process) Resume() { _ = syscall.Kill(-p.PID(), syscall.SIGCONT) }

// Kill ends the process group at once, as a crash would.
func (p *Process) Kill() {
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
	<-p.done
}

// All returns the processes started so far, oldest first.
func (ps *Processes) All() []*Process {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]*Process(nil), ps.procs...)
}

// StopAll stops every process, newest first, and reports any process of their groups still alive.
func (ps *Processes) StopAll() error {
	procs := ps.All()
	for i := len(procs) - 1; i >= 0; i-- {
		procs[i].Stop()
	}
	// A killed group leaves zombies for a moment, longer on a machine whose cores are all busy; give the
	// kernel time before calling them survivors (it returns as soon as none is left).
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := ps.Survivors()
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes still running after stop: %s", strings.Join(left, ", "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Survivors lists live processes (not zombies) in any process group the harness started.
func (ps *Processes) Survivors() []string {
	ps.mu.Lock()
	groups := make(map[int]string, len(ps.pgids))
	for k, v := range ps.pgids {
		groups[k] = v
	}
	ps.mu.Unlock()
	var out []string
	for _, pr := range procfs.List() {
		if name, ok := groups[pr.PGID]; ok && !pr.Zombie() {
			out = append(out, fmt.Sprintf("%s (pid %d, group of %s)", pr.Comm, pr.PID, name))
		}
	}
	return out
}

// PIDs returns every live process in the harness's process groups: the components and their children.
func (ps *Processes) PIDs() []int {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	var pids []int
	for _, pr := range procfs.List() {
		if _, ok := ps.pgids[pr.PGID]; ok && !pr.Zombie() {
			pids = append(pids, pr.PID)
		}
	}
	return pids
}

// tail returns the last n lines of a file, for error messages that say why a component died.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// waitFor polls check until it succeeds, ctx ends, timeout passes or proc (if any) exits.
func waitFor(ctx context.Context, timeout time.Duration, what string, proc *Process, check func(context.Context) error) error {
	return waitWhileRunning(ctx, timeout, what, []*Process{proc}, check)
}

// waitWhileRunning is waitFor for a check that needs several processes: it gives up when any exits.
func waitWhileRunning(ctx context.Context, timeout time.Duration, what string, procs []*Process, check func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var last error
	for delay := 20 * time.Millisecond; ; delay = min(delay*2, 500*time.Millisecond) {
		if last = check(ctx); last == nil {
			return nil
		}
		for _, proc := range procs {
			if proc == nil {
				continue
			}
			if err := proc.ExitError(); err != nil {
				return fmt.Errorf("wait for %s: %w", what, err)
			}
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("wait for %s: timed out after %s: %w", what, timeout, last)
			}
			return fmt.Errorf("wait for %s: %w", what, ctx.Err())
		case <-time.After(delay):
		}
	}
}
