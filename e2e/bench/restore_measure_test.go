package bench

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat: 100 on every architecture Go
// runs Linux on.
const clockTicks = 100

// cpuSamplePeriod is how often the meter reads CPU times. Plugin processes end with their restore, so
// up to one period of their CPU time goes unseen.
const cpuSamplePeriod = 200 * time.Millisecond

// CPU time labels: the target cluster's components, its plugin processes, and everything else.
const (
	cpuOurPlugin     = "our plugin"
	cpuVeleroServer  = "velero-server" // the harness's name for velero server's process
	cpuVeleroPlugins = "velero's built-in plugins"
	cpuEmulator      = "emulator (OSS)"
	cpuOtherCluster  = "other cluster"
)

// cpuMeter attributes the CPU time the session's processes use while it runs: the target cluster's
// etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and velero server by name, the plugin processes velero
// server starts for the restore by binary, the other clusters and the emulator as a whole.
type cpuMeter struct {
	target *harness.Cluster
	fixed  map[int]string // session processes: pid → label
	velero map[int]string // velero server pids → label of their children

	mu          sync.Mutex
	first, last map[int]int64
	label       map[int]string
	stop, done  chan struct{}
}

func startCPUMeter(s *harness.Session, target *harness.Cluster, clusters []*harness.Cluster) *cpuMeter {
	m := &cpuMeter{target: target, fixed: map[int]string{}, velero: map[int]string{},
		first: map[int]int64{}, last: map[int]int64{}, label: map[int]string{},
		stop: make(chan struct{}), done: make(chan struct{})}
	for _, p := range s.Procs.All() {
		if p.ExitError() != nil {
			continue
		}
		component, owner, _ := strings.Cut(p.Name, "/")
		switch {
		case component == target.Name:
			m.fixed[p.PID()] = owner
		case component == "cloud":
			m.fixed[p.PID()] = cpuEmulator
		default:
			m.fixed[p.PID()] = cpuOtherCluster
		}
	}
	for _, c := range clusters {
		if v := c.VeleroServer(); v != nil && v.ExitError() == nil {
			m.velero[v.PID()] = cpuOtherCluster
			if c == target {
				m.velero[v.PID()] = cpuVeleroPlugins
			}
		}
	}
	m.sample(true)
	go func() {
		defer close(m.done)
		for {
			select {
			case <-m.stop:
				m.sample(false)
				return
			case <-time.After(cpuSamplePeriod):
				m.sample(false)
			}
		}
	}()
	return m
}

func (m *cpuMeter) sample(initial bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, p := range procfs.List() {
		label, ok := m.fixed[p.PID]
		if !ok {
			parent, isPlugin := m.velero[p.PPID]
			if !isPlugin {
				continue
			}
			label = pluginLabel(parent, procfs.Exe(p.PID), m.target.PluginDir(), m.label[p.PID])
		}
		ticks, ok := cpuTicks(p.PID)
		if !ok {
			continue
		}
		if _, seen := m.first[p.PID]; !seen {
			// A process born during the measurement counts from zero.
			m.first[p.PID] = 0
			if initial {
				m.first[p.PID] = ticks
			}
		}
		m.last[p.PID] = ticks
		m.label[p.PID] = label
	}
}

// pluginLabel labels a child of a velero server by its binary. A child is velero's binary until it
// execs a plugin, and an ended one, not yet reaped, has no binary to read: then it keeps the label it had,
// or its restore plugin process's CPU would be counted as velero's at the last sample.
func pluginLabel(parent, exe, pluginDir, had string) string {
	switch {
	case parent != cpuVeleroPlugins:
		return parent
	case exe == "" && had != "":
		return had
	case exe != "" && filepath.Dir(exe) == pluginDir:
		return cpuOurPlugin
	}
	return cpuVeleroPlugins
}

// Stop ends the measurement and returns the CPU seconds used by label.
func (m *cpuMeter) Stop() map[string]float64 {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]float64{}
	for pid, last := range m.last {
		out[m.label[pid]] += float64(last-m.first[pid]) / clockTicks
	}
	return out
}

// cpuTicks is a process's user plus system CPU time, from /proc/PID/stat.
func cpuTicks(pid int) (int64, bool) {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The fields after "(comm)": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime.
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	return utime + stime, err1 == nil && err2 == nil
}

// restoreLog is what velero server's log says about one restore.
type restoreLog struct {
	// actionCalls counts "Executing item action for <resource>": one line per call of any restore item
	// action, Velero's built-in ones included.
	actionCalls map[string]int
	// pluginLines counts the lines our plugin binary logged for the restore: our actions' notes.
	pluginLines int
	errors      []string
}

func (l restoreLog) calls() int {
	n := 0
	for _, c := range l.actionCalls {
		n += c
	}
	return n
}

const executingAction = `msg="Executing item action for `

// scanRestoreLog reads velero server's log from offset and collects the lines of restore name. Velero
// writes every restore's log to its own output too, our plugin's lines included.
func scanRestoreLog(path string, offset int64, name, pluginDir string) (restoreLog, error) {
	out := restoreLog{actionCalls: map[string]int{}}
	f, err := os.Open(path)
	if err != nil {
		return out, err
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return out, err
	}
	// Velero's own lines carry restore=<namespace>/<name>; our actions log restore=<name>, which
	// replaces Velero's field on their lines.
	fields := []string{"restore=velero/" + name, "restore=" + name}
	plugin := "cmd=" + pluginDir + "/"
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if !hasField(line, fields[0]) && !hasField(line, fields[1]) {
			continue
		}
		if _, rest, ok := strings.Cut(line, executingAction); ok {
			resource, _, _ := strings.Cut(rest, `"`)
			out.actionCalls[resource]++
		}
		if strings.Contains(line, plugin) {
			out.pluginLines++
		}
		if strings.Contains(line, "level=error") {
			out.errors = append(out.errors, line)
		}
	}
	return out, sc.Err()
}

// hasField finds a logrus key=value field as a whole word: restore-b1 is not restore-b10.
func hasField(line, field string) bool {
	for i := 0; ; {
		j := strings.Index(line[i:], field)
		if j < 0 {
			return false
		}
		end := i + j + len(field)
		if end == len(line) || line[end] == ' ' {
			return true
		}
		i = end
	}
}

func fileSize(path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}

func cpus() int { return runtime.NumCPU() }
