// Package procfs reads what the harness and the benchmarks need from Linux's /proc: which processes
// run, whose children they are, which binary they run and how much memory they peaked at.
package procfs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Proc is one process, from /proc/PID/stat.
type Proc struct {
	PID, PPID, PGID int
	State           byte // R, S, D, Z (zombie), ...
	Comm            string
}

// Zombie reports a process that has exited and waits for its parent to reap it.
func (p Proc) Zombie() bool { return p.State == 'Z' }

// List returns every process visible in /proc.
func List() []Proc {
	entries, _ := os.ReadDir("/proc")
	var out []Proc
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ok := read(pid); ok {
			out = append(out, p)
		}
	}
	return out
}

func read(pid int) (Proc, bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return Proc{}, false // exited meanwhile
	}
	// "pid (comm) state ppid pgrp ..."; comm may hold spaces and parentheses, so split at the last ')'.
	open, closing := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || closing < open {
		return Proc{}, false
	}
	f := strings.Fields(string(stat[closing+1:]))
	if len(f) < 3 {
		return Proc{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	pgid, _ := strconv.Atoi(f[2])
	return Proc{PID: pid, PPID: ppid, PGID: pgid, State: f[0][0], Comm: string(stat[open+1 : closing])}, true
}

// Exe is the path of the binary a process runs, or "" if it is gone.
func Exe(pid int) string {
	exe, _ := os.Readlink(filepath.Join("/proc", strconv.Itoa(pid), "exe"))
	return exe
}

// PeakRSS returns a process's peak resident memory (VmHWM) in bytes.
func PeakRSS(pid int) (int64, error) {
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, fmt.Errorf("no VmHWM for pid %d", pid)
}
