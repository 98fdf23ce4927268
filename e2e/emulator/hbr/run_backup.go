package hbr

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

// startJob runs fn in a goroutine that Close stops and CancelXxx cancels. Callers hold s.mu.
func (s *Service) startJob(id string, fn func(ctx context.Context, id string)) {
	ctx, cancel := context.WithCancel(s.ctx)
	s.st.cancels[id] = cancel
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer cancel()
		fn(ctx, id)
		s.mu.Lock()
		delete(s.st.cancels, id)
		s.mu.Unlock()
	}()
}

// cancelJobLocked stops a running job; the job ends CANCELED. Callers hold s.mu.
func (s *Service) cancelJobLocked(id string) {
	if cancel := s.st.cancels[id]; cancel != nil {
		cancel()
	}
}

// agentFor finds the hbr-client a job's host names: the node name or "<region>.<ip>", in the cluster
// with this identifier. Callers hold s.mu.
func (s *Service) agentFor(identifier, host string) *Agent {
	if a := s.st.agents[agentKey(identifier, host)]; a != nil {
		return a
	}
	for _, a := range s.st.agents {
		if a.Cluster == identifier && host == a.Region+"."+a.IP {
			return a
		}
	}
	return nil
}

// backupSource is what a backup job reads, found at its start.
type backupSource struct {
	agent    Agent
	nodePath string
	root     string // host directory, symlinks resolved
	source   string
	parent   map[string]Entry
}

func (s *Service) runBackup(ctx context.Context, id string) {
	s.mu.Lock()
	delay, rate := s.settings.JobStartDelay, s.settings.Throughput
	s.mu.Unlock()
	if !sleep(ctx, delay) {
		s.endBackup(ctx, id, nil, nil, nil)
		return
	}
	src, failure := s.startBackup(id)
	if failure != "" {
		s.failBackup(id, failure)
		return
	}
	entries, total, err := scan(src.root)
	if err != nil {
		s.failBackup(id, ErrSourceNotExist+": "+err.Error())
		return
	}
	s.updateBackup(id, func(j *BackupJob) { j.BytesTotal, j.ItemsTotal = total, int64(len(entries)) })
	th := newThrottle(rate)
	var kept []Entry
	var vanished []string
	for _, e := range entries {
		if ctx.Err() != nil {
			break
		}
		if e.Type == EntryFile {
			if p, ok := src.parent[e.Path]; ok && p.Size == e.Size && p.MTime.Equal(e.MTime) && p.Mode == e.Mode && s.blobs.has(p.Digest) {
				e.Digest = p.Digest // unchanged since the parent snapshot: nothing to read or write
				s.updateBackup(id, func(j *BackupJob) { j.BytesDone += e.Size })
			} else {
				digest, err := s.readFile(ctx, id, th, filepath.Join(src.root, filepath.FromSlash(e.Path)))
				switch {
				case errors.Is(err, fs.ErrNotExist):
					vanished = append(vanished, e.Path)
					s.updateBackup(id, func(j *BackupJob) { j.BytesDone += e.Size })
					continue
				case ctx.Err() != nil:
					continue
				case err != nil:
					s.failBackup(id, "READ_FILE_FAILED: "+e.Path+": "+err.Error())
					return
				}
				e.Digest = digest
			}
		}
		kept = append(kept, e)
		s.updateBackup(id, func(j *BackupJob) { j.ItemsDone++; j.Speed = th.speedKBps() })
	}
	s.endBackup(ctx, id, src, kept, vanished)
}

// startBackup marks the job RUNNING and finds its agent and files; failure is the job's error message.
func (s *Service) startBackup(id string) (*backupSource, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.st.backups[id]
	now := s.now()
	j.Status, j.Started, j.Updated = JobRunning, &now, now
	cl := s.st.clusters[j.ClusterID]
	a, np, root, failure := s.nodeDir(cl, j.Resource.Host, j.Resource.HostPrefix, ErrSourceNotExist)
	if a != nil {
		j.ClientID = a.ClientID()
	}
	if failure != "" {
		return nil, failure
	}
	src := &backupSource{agent: *a, nodePath: np, root: root, source: cl.Identifier + ":" + orDefault(j.Resource.ResourceID, np)}
	if parent := s.latestSnapshot(j.VaultID, src.source); parent != nil {
		j.BackupType = "INCREMENTAL"
		src.parent = map[string]Entry{}
		for _, e := range parent.entries {
			src.parent[e.Path] = e
		}
	}
	return src, ""
}

// readFile copies one file into the store at the job's throughput and counts the new bytes.
func (s *Service) readFile(ctx context.Context, id string, th *throttle, hostPath string) (string, error) {
	f, err := os.Open(hostPath)
	if err != nil {
		return "", err
	}
	defer f.Close()
	digest, written, err := s.blobs.put(f, func(n int) error {
		s.updateBackup(id, func(j *BackupJob) { j.BytesDone += int64(n); j.Speed = th.speedKBps() })
		return th.wait(ctx, n)
	})
	if err == nil {
		s.updateBackup(id, func(j *BackupJob) { j.ActualBytes += written })
	}
	return digest, err
}

func (s *Service) updateBackup(id string, change func(j *BackupJob)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.st.backups[id]
	change(j)
	j.Updated = s.now()
}

func (s *Service) failBackup(id, message string) {
	s.updateBackup(id, func(j *BackupJob) {
		now := s.now()
		j.Status, j.ErrorMessage, j.Completed = JobFailed, message, &now
	})
}

// endBackup ends a job that ran (or was stopped): CANCELED, FAILED when its vault went meanwhile, else
// COMPLETE or PARTIAL_COMPLETE with a snapshot. A job stopped by Close is left as it was.
func (s *Service) endBackup(ctx context.Context, id string, src *backupSource, entries []Entry, vanished []string) {
	if s.ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j := s.st.backups[id]
	now := s.now()
	j.Updated, j.Completed = now, &now
	switch {
	case s.st.deleted[j.VaultID]:
		j.Status, j.ErrorMessage = JobFailed, ErrVaultDeleted
		return
	case ctx.Err() != nil:
		j.Status = JobCanceled
		return
	}
	j.Status = JobComplete
	if len(vanished) > 0 {
		j.Status = JobPartialComplete
		j.ErrorMessage = fmt.Sprintf("PARTIAL_COMPLETE: %d file(s) vanished during the backup: %s", len(vanished), strings.Join(vanished, ", "))
	}
	snap := &Snapshot{ID: rpc.NewID("s-", 24), JobID: j.ID, VaultID: j.VaultID, Source: src.source, Path: src.nodePath,
		ClientID: j.ClientID, Status: j.Status, BackupType: j.BackupType, RetentionDay: j.RetentionDay, Created: now,
		Started: *j.Started, Completed: now, Progress: j.Progress, entries: entries}
	snap.ItemsDone = int64(len(entries))
	snap.Hash = manifestHash(entries)
	if parent := s.latestSnapshot(j.VaultID, src.source); parent != nil {
		snap.ParentHash = parent.Hash
	}
	s.st.snapshots[snap.ID] = snap
	j.SnapshotID = snap.ID
}

// latestSnapshot is the newest snapshot of a source in a vault, or nil. Callers hold s.mu.
func (s *Service) latestSnapshot(vaultID, source string) *Snapshot {
	var latest *Snapshot
	for _, snap := range s.st.snapshots {
		if snap.VaultID == vaultID && snap.Source == source &&
			(latest == nil || snap.Created.After(latest.Created) || (snap.Created.Equal(latest.Created) && snap.ID > latest.ID)) {
			latest = snap
		}
	}
	return latest
}

func manifestHash(entries []Entry) string {
	data, _ := json.Marshal(entries)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
