// Package procfs reads what the harness and the benchmarks need from Linux's /proc: which processes
// run, whose children they are, which binary they run, how much memory they peaked at and how much CPU
// they used.
package procfs

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
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

// ResetPeakRSS starts a new peak: VmHWM becomes the current resident memory (Linux 4.0+), so a
// benchmark can report the peak of each step of a long-lived process.
func ResetPeakRSS(pid int) error {
	return os.WriteFile(filepath.Join("/proc", strconv.Itoa(pid), "clear_refs"), []byte("5"), 0)
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat; it is 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// CPUTime returns the user plus system CPU time a process has used, in ticks of 10 ms.
func CPUTime(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	closing := bytes.LastIndexByte(stat, ')')
	if closing < 0 {
		return 0, fmt.Errorf("malformed stat of pid %d", pid)
	}
	// After the comm: state(0) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime(11) stime(12).
	f := strings.Fields(string(stat[closing+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("malformed stat of pid %d", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("malformed cpu times of pid %d", pid)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}
