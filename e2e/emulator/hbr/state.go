package hbr

import (
	"context"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// state is the HBR model. It lives in memory: jobs run in goroutines of this process, so a restart
// would lose them anyway; the file contents live in the blob store.
type state struct {
	vaults    map[string]*Vault
	deleted   map[string]bool // vault IDs deleted through the admin API
	clusters  map[string]*Cluster
	agents    map[string]*Agent // by cluster identifier + "/" + node
	backups   map[string]*BackupJob
	snapshots map[string]*Snapshot
	restores  map[string]*RestoreJob
	cancels   map[string]context.CancelFunc // running jobs by ID
}

func newState() state {
	return state{vaults: map[string]*Vault{}, deleted: map[string]bool{}, clusters: map[string]*Cluster{},
		agents: map[string]*Agent{}, backups: map[string]*BackupJob{}, snapshots: map[string]*Snapshot{},
		restores: map[string]*RestoreJob{}, cancels: map[string]context.CancelFunc{}}
}

func agentKey(cluster, node string) string { return cluster + "/" + node }

// target names what a request addresses for faults and logs: "VAULT/ID", where VAULT is the vault the
// request names or the one its job or snapshot lives in, and ID the job, snapshot, restore job or
// cluster it names. Callers hold s.mu.
func (s *Service) target(act action, p interface{ Str(string) string }) string {
	vault, id := p.Str("VaultId"), ""
	if act.idParam != "" {
		id = p.Str(act.idParam)
	}
	if vault == "" {
		switch {
		case s.st.backups[id] != nil:
			vault = s.st.backups[id].VaultID
		case s.st.snapshots[id] != nil:
			vault = s.st.snapshots[id].VaultID
		case s.st.restores[id] != nil:
			vault = s.st.restores[id].VaultID
		}
	}
	return vault + "/" + id
}

// reapLocked releases snapshots whose retention has run out on the HBR clock, and the blobs only they
// held. Callers hold s.mu.
func (s *Service) reapLocked(now time.Time) {
	gone := false
	for id, snap := range s.st.snapshots {
		if at, ok := snap.expiresAt(); ok && !now.Before(at) {
			delete(s.st.snapshots, id)
			gone = true
		}
	}
	if gone {
		s.gcLocked()
	}
}

// gcLocked removes blobs no snapshot holds. Running backups hold theirs through pending entries, which
// gc never sees, and running restores read theirs, so it keeps everything while a job runs.
func (s *Service) gcLocked() {
	for _, j := range s.st.backups {
		if !terminal(j.Status) {
			return
		}
	}
	for _, r := range s.st.restores {
		if !terminal(r.Status) {
			return
		}
	}
	referenced := map[string]bool{}
	for _, snap := range s.st.snapshots {
		for _, e := range snap.entries {
			if e.Digest != "" {
				referenced[e.Digest] = true
			}
		}
	}
	if _, err := s.blobs.gc(referenced); err != nil {
		s.log.WithError(err).Warn("hbr: remove unreferenced blobs")
	}
}

// Stats counts what the service was asked to do since it started.
type Stats = svc.Stats
