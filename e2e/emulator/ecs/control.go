package ecs

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// This file is the Go API behind the admin endpoints: fixtures, state, settings and the clock.

// DiskSpec describes a disk fixture, such as the disk of a PV a test backs up.
type DiskSpec struct {
	ID               string            `json:"id,omitempty"` // "" = a new "d-..." ID
	Region           string            `json:"region"`
	Zone             string            `json:"zone"`
	Category         string            `json:"category"`
	PerformanceLevel string            `json:"performanceLevel,omitempty"`
	SizeGiB          int32             `json:"sizeGiB"`
	ProvisionedIops  int64             `json:"provisionedIops,omitempty"`
	BurstingEnabled  bool              `json:"burstingEnabled,omitempty"`
	Encrypted        bool              `json:"encrypted,omitempty"`
	KMSKeyID         string            `json:"kmsKeyId,omitempty"`
	Name             string            `json:"name,omitempty"`
	Tags             map[string]string `json:"tags,omitempty"`
	Status           string            `json:"status,omitempty"`     // Available (default) or In_use
	InstanceID       string            `json:"instanceId,omitempty"` // In_use: the instance; "" = a made-up one
}

// DiskState is a disk with its current status.
type DiskState struct {
	Disk
	Status string `json:"status"`
}

// SnapshotState is a snapshot with its current status.
type SnapshotState struct {
	Snapshot
	Status    string     `json:"status"`
	Progress  int        `json:"progress"`
	Available bool       `json:"available"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
}

// GroupState is a snapshot group with its current status.
type GroupState struct {
	SnapshotGroup
	Status string `json:"status"`
}

// State is everything the admin endpoint reports about ECS.
type State struct {
	Regions   []Region        `json:"regions"`
	Disks     []DiskState     `json:"disks"`
	Snapshots []SnapshotState `json:"snapshots"`
	Groups    []GroupState    `json:"snapshotGroups"`
	Settings  Settings        `json:"settings"`
	Clock     Clock           `json:"clock"`
	Stats     Stats           `json:"stats"`
}

// AddDisk creates a disk fixture that is ready at once, checked like CreateDisk.
func (s *Service) AddDisk(spec DiskSpec) (DiskState, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	region := s.model.region[spec.Region]
	if region == nil {
		return DiskState{}, fmt.Errorf("add disk fixture: %w: region %q is not in the model", ErrInvalid, spec.Region)
	}
	if spec.Category == "" {
		return DiskState{}, fmt.Errorf("add disk fixture: %w: category is required", ErrInvalid)
	}
	if spec.Status != "" && spec.Status != DiskAvailable && spec.Status != DiskInUse {
		return DiskState{}, fmt.Errorf("add disk fixture: %w: status %q (valid: %s, %s)", ErrInvalid, spec.Status, DiskAvailable, DiskInUse)
	}
	if spec.ID != "" && !strings.HasPrefix(spec.ID, "d-") {
		return DiskState{}, fmt.Errorf("add disk fixture %s: %w: a disk ID starts with d-", spec.ID, ErrInvalid)
	}
	if spec.ID != "" && s.st.regionOf(spec.ID) != "" {
		return DiskState{}, fmt.Errorf("add disk fixture %s: %w", spec.ID, ErrConflict)
	}
	tags := make([]Tag, 0, len(spec.Tags))
	for _, k := range slices.Sorted(maps.Keys(spec.Tags)) {
		tags = append(tags, Tag{Key: k, Value: spec.Tags[k]})
	}
	d, e := s.buildDisk(diskRequest{region: region, zoneID: spec.Zone, category: spec.Category, performanceLevel: spec.PerformanceLevel,
		size: spec.SizeGiB, sizeSet: true, provisionedIops: spec.ProvisionedIops, iopsSet: spec.ProvisionedIops != 0,
		bursting: spec.BurstingEnabled, burstingSet: spec.BurstingEnabled, encrypted: spec.Encrypted, kmsKeyID: spec.KMSKeyID,
		name: spec.Name, tags: tags}, now)
	if e != nil {
		return DiskState{}, fmt.Errorf("add disk fixture: %w: %s: %s", ErrInvalid, e.Code, e.Message)
	}
	d.ID, d.ReadyAt = spec.ID, now
	if d.ID == "" {
		d.ID = s.st.uniqueID("d-")
	}
	if e := s.fillDisk(d); e != nil {
		return DiskState{}, fmt.Errorf("add disk fixture %s: %s", d.ID, e.Message)
	}
	if spec.Status == DiskInUse {
		d.InstanceID = spec.InstanceID
		if d.InstanceID == "" {
			d.InstanceID = newID("i-")
		}
	}
	s.st.disks[d.ID] = d
	if err := s.st.save(); err != nil {
		delete(s.st.disks, d.ID)
		s.dropDiskContent(d.ID)
		return DiskState{}, fmt.Errorf("add disk fixture %s: %w", d.ID, err)
	}
	return DiskState{Disk: *d, Status: d.status(now)}, nil
}

// State reports the model, every resource with its current status, the settings and the clock.
func (s *Service) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.reapLocked(now)
	st := State{Regions: cloneRegions(s.model.regions), Disks: []DiskState{}, Snapshots: []SnapshotState{}, Groups: []GroupState{},
		Settings: s.settings, Clock: Clock{Now: now, Offset: s.st.offset}, Stats: s.stats.Snapshot()}
	for _, d := range svc.SortedValues(s.st.disks) {
		st.Disks = append(st.Disks, DiskState{Disk: *d, Status: d.status(now)})
	}
	for _, snap := range svc.SortedValues(s.st.snapshots) {
		ss := SnapshotState{Snapshot: *snap, Status: snap.status(now), Progress: snap.progress(now), Available: snap.available(now)}
		if at, ok := snap.expiresAt(); ok {
			ss.ExpiresAt = &at
		}
		st.Snapshots = append(st.Snapshots, ss)
	}
	for _, g := range svc.SortedValues(s.st.groups) {
		st.Groups = append(st.Groups, GroupState{SnapshotGroup: *g, Status: s.groupStatus(g, now)})
	}
	sort.SliceStable(st.Snapshots, func(i, j int) bool { return st.Snapshots[i].Created.Before(st.Snapshots[j].Created) })
	return st
}

// Settings returns the durations in force.
func (s *Service) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.settings
}

// SetSettings changes the durations for resources created from now on; existing ones keep their times.
func (s *Service) SetSettings(set Settings) error {
	if set.DiskCreateDuration < 0 || set.SnapshotDuration < 0 {
		return fmt.Errorf("set ecs settings: %w: durations must not be negative", ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = set
	return nil
}

// Clock returns the ECS clock.
func (s *Service) Clock() Clock {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Clock{Now: s.now(), Offset: s.st.offset}
}

// AdvanceClock moves the ECS clock forward, which progresses snapshots and disks and expires retention.
// The clock never goes back: resources would otherwise un-finish.
func (s *Service) AdvanceClock(d time.Duration) (Clock, error) {
	if d < 0 {
		return Clock{}, fmt.Errorf("advance ecs clock by %v: %w: the clock only moves forward", d, ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.offset += d
	if err := s.st.save(); err != nil {
		s.st.offset -= d
		return Clock{}, fmt.Errorf("advance ecs clock: %w", err)
	}
	s.reapLocked(s.now())
	return Clock{Now: s.now(), Offset: s.st.offset}, nil
}

// reapLocked releases expired snapshots outside a request; a failed save is retried by the next change.
func (s *Service) reapLocked(now time.Time) {
	if s.st.reap(now) {
		if err := s.st.save(); err != nil {
			s.log.WithError(err).Warn("save ecs state after releasing expired snapshots")
		}
	}
}
