package hbr

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// Entry types of a snapshot.
const (
	EntryDir     = "dir"
	EntryFile    = "file"
	EntrySymlink = "symlink"
)

// Entry is one file, directory or symlink of a snapshot, by slash path relative to the backed-up root.
type Entry struct {
	Path   string      `json:"path"`
	Type   string      `json:"type"`
	Mode   fs.FileMode `json:"mode"` // permission bits
	MTime  time.Time   `json:"mtime"`
	Size   int64       `json:"size,omitempty"`
	Digest string      `json:"digest,omitempty"` // files: the blob holding the content
	Link   string      `json:"link,omitempty"`   // symlinks: the target
}

// scan lists the tree under root (without root itself) in walk order: parents before children. An entry
// that vanishes while the walk runs is left out, as the agent never saw it.
func scan(root string) (entries []Entry, total int64, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p != root {
				return nil
			}
			return err
		}
		if p == root {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		} else if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		e := Entry{Path: filepath.ToSlash(rel), Mode: info.Mode().Perm(), MTime: info.ModTime()}
		switch {
		case info.Mode().IsDir():
			e.Type = EntryDir
		case info.Mode()&fs.ModeSymlink != 0:
			e.Type = EntrySymlink
			if e.Link, err = os.Readlink(p); err != nil {
				return err
			}
		case info.Mode().IsRegular():
			e.Type, e.Size = EntryFile, info.Size()
			total += e.Size
		default:
			return nil // sockets, devices and pipes are not backed up
		}
		entries = append(entries, e)
		return nil
	})
	return entries, total, err
}

// nodeDir finds the agent of a job's host in the cluster, and the host directory (symlinks resolved)
// that hostPrefix names on its node. failure is the job's error message: ErrClientNotExist without an
// agent, missing without the directory. Callers hold s.mu.
func (s *Service) nodeDir(cl *Cluster, host, hostPrefix, missing string) (a *Agent, np, dir, failure string) {
	a = s.agentFor(cl.Identifier, host)
	if a == nil {
		return nil, "", "", ErrClientNotExist
	}
	np, ok := nodePath(a, hostPrefix)
	if !ok {
		return a, "", "", missing
	}
	dir, err := filepath.EvalSymlinks(filepath.Join(a.RootDir, filepath.FromSlash(np)))
	if err != nil {
		return a, "", "", missing
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return a, "", "", missing
	}
	return a, np, dir, ""
}

// nodePath turns a resource's hostPrefix into a node path: an absolute path as it is, a relative one
// under <kubeletRoot>/pods. ok is false when the path leaves the kubelet root, which the agent cannot see.
func nodePath(a *Agent, hostPrefix string) (p string, ok bool) {
	root := path.Clean("/" + orDefault(a.KubeletRoot, "/var/lib/kubelet"))
	p = path.Clean(hostPrefix)
	if !path.IsAbs(hostPrefix) {
		p = path.Join(root, "pods", hostPrefix)
	}
	return p, p == root || strings.HasPrefix(p, root+"/")
}

// throttle holds a job to its throughput: after n bytes it has taken at least n/rate seconds.
type throttle struct {
	rate  int64
	start time.Time
	done  int64
}

func newThrottle(rate int64) *throttle { return &throttle{rate: rate, start: time.Now()} }

func (t *throttle) wait(ctx context.Context, n int) error {
	t.done += int64(n)
	if t.rate > 0 {
		due := t.start.Add(time.Duration(float64(t.done) / float64(t.rate) * float64(time.Second)))
		if !sleep(ctx, time.Until(due)) {
			return ctx.Err()
		}
	}
	return ctx.Err()
}

// speedKBps is what Speed reports: KB per second since the job started.
func (t *throttle) speedKBps() int64 {
	secs := time.Since(t.start).Seconds()
	if secs <= 0 {
		return 0
	}
	return int64(float64(t.done) / 1024 / secs)
}

// sleep waits d unless ctx ends first; it reports whether the whole wait passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// writeFile writes a blob to dst through a temporary file in the same directory, then sets its mode.
func (b *blobStore) writeFile(dst, digest string, mode fs.FileMode, progress func(n int) error) (int64, error) {
	src, err := b.open(digest)
	if err != nil {
		return 0, fmt.Errorf("open blob %s: %w", digest, err)
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".hbr-restore-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n, err := tmp.ReadFrom(&progressReader{r: src, progress: progress})
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, err
	}
	if err := os.Chmod(tmp.Name(), mode); err != nil {
		return n, err
	}
	return n, os.Rename(tmp.Name(), dst)
}
