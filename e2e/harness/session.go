package harness

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// keepSessions is how many failed sessions' directories (logs, etcd data, the emulator's bucket)
// are kept for a post-mortem.
const keepSessions = 3

// Session is one run of the harness: a directory under .cache/run, the binaries it runs, and every
// process it started.
type Session struct {
	Layout Layout
	Bins   Binaries
	Dir    string
	Procs  Processes

	addrs addressBook // node IPs and pod CIDRs, unique across the session's clusters

	cloud   atomic.Pointer[Cloud] // what StartCloud started; clusters' disk volumes live there
	closeMu sync.Mutex
	closers []func() // what runs inside the harness's process (CSI layers), stopped before the processes
}

// Cloud is the emulated cloud StartCloud started, or nil.
func (s *Session) Cloud() *Cloud { return s.cloud.Load() }

// onClose registers fn to run when the session closes, before its processes stop.
func (s *Session) onClose(fn func()) {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	s.closers = append(s.closers, fn)
}

// NewSession makes a fresh session directory named after what runs in it.
func (l Layout) NewSession(bins Binaries, name string) (*Session, error) {
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	dir := filepath.Join(l.RunDir(), fmt.Sprintf("%s-%s-%s", name, time.Now().Format("20060102-150405"), hex.EncodeToString(suffix)))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return &Session{Layout: l, Bins: bins, Dir: dir}, nil
}

// Close stops every process the session started and fails if any survives. The directory is removed
// unless keep is set (a failed run keeps its logs); only the newest few kept ones stay.
func (s *Session) Close(keep bool) error {
	s.closeMu.Lock()
	closers := s.closers
	s.closers = nil
	s.closeMu.Unlock()
	for _, fn := range slices.Backward(closers) {
		fn()
	}
	err := s.Procs.StopAll()
	if !keep && err == nil {
		err = os.RemoveAll(s.Dir)
	}
	return errors.Join(err, s.Layout.pruneSessions())
}

func (l Layout) pruneSessions() error {
	entries, err := os.ReadDir(l.RunDir())
	if err != nil {
		return nil
	}
	type kept struct {
		path string
		mod  time.Time
	}
	var dirs []kept
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() {
			dirs = append(dirs, kept{filepath.Join(l.RunDir(), e.Name()), info.ModTime()})
		}
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].mod.After(dirs[j].mod) })
	var errs []error
	for i := keepSessions; i < len(dirs); i++ {
		errs = append(errs, os.RemoveAll(dirs[i].path))
	}
	return errors.Join(errs...)
}

// Listeners returns every listening socket of the session's processes, with an error naming any that
// another machine could reach.
func (s *Session) Listeners() ([]Listener, error) {
	ls, err := Listeners(s.Procs.PIDs())
	if err != nil {
		return nil, err
	}
	var open []string
	for _, l := range ls {
		if !l.Loopback() {
			open = append(open, l.String())
		}
	}
	if len(open) > 0 {
		return ls, fmt.Errorf("listening beyond loopback: %s", strings.Join(open, "; "))
	}
	return ls, nil
}

// LogsContaining returns the session's log files that contain needle.
func (s *Session) LogsContaining(needle string) ([]string, error) {
	var hits []string
	err := filepath.WalkDir(s.Dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".log") {
			return nil //nolint:nilerr // files come and go while processes run; what is there is enough
		}
		data, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(data), needle) {
			hits = append(hits, path)
		}
		return nil
	})
	return hits, err
}
