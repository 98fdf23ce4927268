package bench

import (
	"bytes"
	"runtime/pprof"
	"slices"
	"syscall"
	"time"

	"github.com/google/pprof/profile"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/procfs"
)

// uploadCPULabel is the pprof label that names who spent CPU in this process: the emulator by request kind,
// the baseline's SDK client, or Velero's side of the plugin's gRPC stream.
const uploadCPULabel = "who"

// uploadCPU is the CPU one or more uploads cost: the plugin process's (from /proc) and this process's,
// by label (from a CPU profile; unlabelled is the runtime, the collector and gRPC's transport).
type uploadCPU struct {
	plugin, self time.Duration
	byLabel      map[string]time.Duration // nil when the profile was not available
}

func (u *uploadCPU) add(o uploadCPU) {
	u.plugin += o.plugin
	u.self += o.self
	if o.byLabel == nil {
		return
	}
	if u.byLabel == nil {
		u.byLabel = map[string]time.Duration{}
	}
	for k, v := range o.byLabel {
		u.byLabel[k] += v
	}
}

// uploadCPUMeter measures the CPU of a stretch of the benchmark.
type uploadCPUMeter struct {
	pluginPID      int
	plugin0, self0 time.Duration
	profile        bytes.Buffer
	profiling      bool
}

// startUploadCPU starts a meter. The profile is skipped when the benchmark already runs with -cpuprofile.
func startUploadCPU(pluginPID int) *uploadCPUMeter {
	m := &uploadCPUMeter{pluginPID: pluginPID}
	m.profiling = pprof.StartCPUProfile(&m.profile) == nil
	m.plugin0, _ = procfs.CPUTime(pluginPID)
	m.self0 = selfCPUTime()
	return m
}

func (m *uploadCPUMeter) stop() uploadCPU {
	plugin, _ := procfs.CPUTime(m.pluginPID)
	use := uploadCPU{plugin: plugin - m.plugin0, self: selfCPUTime() - m.self0}
	if !m.profiling {
		return use
	}
	pprof.StopCPUProfile()
	p, err := profile.Parse(&m.profile)
	if err != nil {
		return use
	}
	use.byLabel = map[string]time.Duration{}
	cpu := slices.IndexFunc(p.SampleType, func(t *profile.ValueType) bool { return t.Type == "cpu" })
	if cpu < 0 {
		return use
	}
	for _, s := range p.Sample {
		who := "unlabelled (runtime, GC, gRPC transport)"
		if l := s.Label[uploadCPULabel]; len(l) > 0 {
			who = l[0]
		}
		use.byLabel[who] += time.Duration(s.Value[cpu])
	}
	return use
}

func selfCPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
