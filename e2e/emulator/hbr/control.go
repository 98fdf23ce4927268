package hbr

import (
	"fmt"
	"path"
	"path/filepath"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// This file is the Go API behind the admin endpoints: agents, state, settings, the clock and vault
// deletion.

// AddAgent registers (or replaces) the hbr-client of a node, as installing the DaemonSet would.
func (s *Service) AddAgent(a Agent) (Agent, error) {
	switch {
	case a.Cluster == "" || a.Node == "":
		return Agent{}, fmt.Errorf("add hbr agent: %w: cluster and node are required", ErrInvalid)
	case !filepath.IsAbs(a.RootDir):
		return Agent{}, fmt.Errorf("add hbr agent %s/%s: %w: rootDir %q must be an absolute host path", a.Cluster, a.Node, ErrInvalid, a.RootDir)
	}
	a.KubeletRoot = path.Clean("/" + orDefault(a.KubeletRoot, "/var/lib/kubelet"))
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.agents[agentKey(a.Cluster, a.Node)] = &a
	return a, nil
}

// RemoveAgent unregisters the hbr-client of a node: its jobs fail ClientNotExist from now on.
func (s *Service) RemoveAgent(cluster, node string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.agents[agentKey(cluster, node)] == nil {
		return fmt.Errorf("remove hbr agent %s/%s: %w", cluster, node, ErrNotFound)
	}
	delete(s.st.agents, agentKey(cluster, node))
	return nil
}

// DeleteVault deletes a vault and its snapshots, as a user deleting it in the console: calls naming it
// answer "Illegal request" from now on and its running jobs fail.
func (s *Service) DeleteVault(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.vaults[id] == nil {
		return fmt.Errorf("delete hbr vault %s: %w", id, ErrNotFound)
	}
	delete(s.st.vaults, id)
	s.st.deleted[id] = true
	for sid, snap := range s.st.snapshots {
		if snap.VaultID == id {
			delete(s.st.snapshots, sid)
		}
	}
	for jid, j := range s.st.backups {
		if j.VaultID == id {
			s.cancelJobLocked(jid) // it ends FAILED: its vault is gone
		}
	}
	for rid, r := range s.st.restores {
		if r.VaultID == id {
			s.cancelJobLocked(rid)
		}
	}
	s.gcLocked()
	return nil
}

// VaultState is a vault with its current status.
type VaultState struct {
	Vault
	Status string `json:"status"`
}

// ClusterState is a container cluster with its agent status.
type ClusterState struct {
	Cluster
	AgentStatus string `json:"agentStatus"`
}

// BackupJobState is a backup job with its progress in HBR's units (10000 = 100 %).
type BackupJobState struct {
	BackupJob
	Progress10000 int32 `json:"progress"`
}

// RestoreJobState is a restore job with its progress in HBR's units.
type RestoreJobState struct {
	RestoreJob
	Progress10000 int32 `json:"progress"`
}

// SnapshotState is a snapshot with its expiry and files.
type SnapshotState struct {
	Snapshot
	ExpireTime *time.Time `json:"expireTime,omitempty"`
	Entries    []Entry    `json:"entries"`
}

// StoreState is what the content store holds and has written.
type StoreState struct {
	BytesWritten int64 `json:"bytesWritten"` // new bytes written since start, over all jobs
	BytesStored  int64 `json:"bytesStored"`  // bytes held now, after deduplication and deletions
}

// State is everything the admin endpoint reports about HBR.
type State struct {
	Vaults        []VaultState      `json:"vaults"`
	DeletedVaults []string          `json:"deletedVaults"`
	Clusters      []ClusterState    `json:"clusters"`
	Agents        []Agent           `json:"agents"`
	BackupJobs    []BackupJobState  `json:"backupJobs"`
	Snapshots     []SnapshotState   `json:"snapshots"`
	RestoreJobs   []RestoreJobState `json:"restoreJobs"`
	Store         StoreState        `json:"store"`
	Settings      Settings          `json:"settings"`
	Clock         Clock             `json:"clock"`
	Stats         Stats             `json:"stats"`
}

// State reports every resource with its current status, the store, the settings and the clock.
func (s *Service) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.reapLocked(now)
	st := State{Vaults: []VaultState{}, DeletedVaults: []string{}, Clusters: []ClusterState{}, Agents: []Agent{},
		BackupJobs: []BackupJobState{}, Snapshots: []SnapshotState{}, RestoreJobs: []RestoreJobState{},
		Store:    StoreState{BytesWritten: s.blobs.written.Load(), BytesStored: s.blobs.stored()},
		Settings: s.settings, Clock: Clock{Now: now, Offset: s.offset}, Stats: s.stats.Snapshot()}
	for _, v := range svc.SortedValues(s.st.vaults) {
		st.Vaults = append(st.Vaults, VaultState{Vault: *v, Status: v.status(now)})
	}
	for id := range s.st.deleted {
		st.DeletedVaults = append(st.DeletedVaults, id)
	}
	for _, cl := range svc.SortedValues(s.st.clusters) {
		st.Clusters = append(st.Clusters, ClusterState{Cluster: *cl, AgentStatus: s.agentStatus(cl.Identifier)})
	}
	for _, a := range svc.SortedValues(s.st.agents) {
		st.Agents = append(st.Agents, *a)
	}
	for _, j := range svc.SortedValues(s.st.backups) {
		st.BackupJobs = append(st.BackupJobs, BackupJobState{BackupJob: *j, Progress10000: percent(j.Progress, j.Status)})
	}
	for _, snap := range svc.SortedValues(s.st.snapshots) {
		ss := SnapshotState{Snapshot: *snap, Entries: append([]Entry{}, snap.entries...)}
		if at, ok := snap.expiresAt(); ok {
			ss.ExpireTime = &at
		}
		st.Snapshots = append(st.Snapshots, ss)
	}
	for _, r := range svc.SortedValues(s.st.restores) {
		st.RestoreJobs = append(st.RestoreJobs, RestoreJobState{RestoreJob: *r, Progress10000: percent(r.Progress, r.Status)})
	}
	return st
}

// Settings returns the settings in force.
func (s *Service) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings
}

// SetSettings changes the settings for jobs and vaults created from now on; activation applies at once.
func (s *Service) SetSettings(set Settings) error {
	if set.Throughput < 0 || set.JobStartDelay < 0 || set.VaultInitDelay < 0 {
		return fmt.Errorf("set hbr settings: %w: throughput and delays must not be negative", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = set
	return nil
}

// Clock returns the HBR clock.
func (s *Service) Clock() Clock {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Clock{Now: s.now(), Offset: s.offset}
}

// AdvanceClock moves the HBR clock forward, which finishes vault initialisation and expires snapshots.
func (s *Service) AdvanceClock(d time.Duration) (Clock, error) {
	if d < 0 {
		return Clock{}, fmt.Errorf("advance hbr clock by %v: %w: the clock only moves forward", d, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
	s.reapLocked(s.now())
	return Clock{Now: s.now(), Offset: s.offset}, nil
}

// Stats returns a snapshot of the request counters.
func (s *Service) Stats() Stats { return s.stats.Snapshot() }
