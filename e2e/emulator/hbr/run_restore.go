package hbr

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"strings"
)

func (s *Service) runRestore(ctx context.Context, id string) {
	s.mu.Lock()
	delay, rate := s.settings.JobStartDelay, s.settings.Throughput
	s.mu.Unlock()
	if !sleep(ctx, delay) {
		s.endRestore(ctx, id)
		return
	}
	dst, entries, failure := s.startRestore(id)
	if failure != "" {
		s.failRestore(id, failure, "")
		return
	}
	th := newThrottle(rate)
	for _, e := range entries {
		if ctx.Err() != nil {
			break
		}
		target := filepath.Join(dst, filepath.FromSlash(e.Path))
		var err error
		switch e.Type {
		case EntryDir:
			err = os.MkdirAll(target, 0o755)
		case EntrySymlink:
			_ = os.Remove(target)
			err = os.Symlink(e.Link, target)
		case EntryFile:
			var n int64
			n, err = s.blobs.writeFile(target, e.Digest, e.Mode, func(n int) error {
				s.updateRestore(id, func(r *RestoreJob) { r.BytesDone += int64(n); r.Speed = th.speedKBps() })
				return th.wait(ctx, n)
			})
			s.updateRestore(id, func(r *RestoreJob) { r.ActualBytes += n })
		}
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			s.failRestore(id, "WRITE_FILE_FAILED: "+err.Error(), e.Path)
			return
		}
		s.updateRestore(id, func(r *RestoreJob) { r.ItemsDone++ })
	}
	if ctx.Err() == nil {
		if path, err := setAttributes(dst, entries); err != nil {
			s.failRestore(id, "SET_ATTRIBUTES_FAILED: "+err.Error(), path)
			return
		}
	}
	s.endRestore(ctx, id)
}

// setAttributes gives restored files and directories their modes and times; directories last and
// deepest first, since writing into a directory changes its mtime.
func setAttributes(dst string, entries []Entry) (string, error) {
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Type == EntrySymlink {
			continue
		}
		target := filepath.Join(dst, filepath.FromSlash(e.Path))
		if err := os.Chmod(target, e.Mode); err != nil {
			return e.Path, err
		}
		if err := os.Chtimes(target, e.MTime, e.MTime); err != nil {
			return e.Path, err
		}
	}
	return "", nil
}

// startRestore marks the job RUNNING and finds the target directory and the entries to write; failure
// is the job's error message.
func (s *Service) startRestore(id string) (dst string, entries []Entry, failure string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.restores[id]
	now := s.now()
	r.Status, r.Started, r.Updated = JobRunning, &now, now
	snap := s.st.snapshots[r.SnapshotID]
	if snap == nil {
		return "", nil, "SNAPSHOT_NOT_EXIST"
	}
	a, _, dst, failure := s.nodeDir(s.st.clusters[r.ClusterID], r.Target.Host, r.Target.HostPrefix, ErrTargetNotExist)
	if a != nil {
		r.ClientID = a.ClientID()
	}
	if failure != "" {
		return "", nil, failure
	}
	sub := strings.Trim(path.Clean("/"+r.Target.PVPath), "/")
	for _, e := range snap.entries {
		if sub != "" {
			rest, ok := strings.CutPrefix(e.Path, sub+"/")
			if !ok {
				continue
			}
			e.Path = rest
		}
		entries = append(entries, e)
		r.ItemsTotal++
		r.BytesTotal += e.Size
	}
	return dst, entries, ""
}

func (s *Service) updateRestore(id string, change func(r *RestoreJob)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.restores[id]
	change(r)
	r.Updated = s.now()
}

func (s *Service) failRestore(id, message, file string) {
	s.updateRestore(id, func(r *RestoreJob) {
		now := s.now()
		r.Status, r.ErrorMessage, r.ErrorFile, r.Completed = JobFailed, message, file, &now
	})
}

// endRestore ends a restore that ran or was canceled; one stopped by Close is left as it was.
func (s *Service) endRestore(ctx context.Context, id string) {
	if s.ctx.Err() != nil {
		return
	}
	s.updateRestore(id, func(r *RestoreJob) {
		now := s.now()
		r.Completed = &now
		switch {
		case s.st.deleted[r.VaultID]:
			r.Status, r.ErrorMessage = JobFailed, ErrVaultDeleted
		case ctx.Err() != nil:
			r.Status = JobCanceled
		default:
			r.Status = JobComplete
		}
	})
}
