package ecs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// The ECS state is small (a test makes tens of disks and snapshots), so it lives in one file,
// <DataDir>/ecs/state.json, rewritten after every change through a temporary file and a rename: a crash
// leaves either the old or the new state, never half of one.

// stateFile is the on-disk form.
type stateFile struct {
	ClockOffset  time.Duration    `json:"clockOffsetNanoseconds"`
	Disks        []*Disk          `json:"disks"`
	Snapshots    []*Snapshot      `json:"snapshots"`
	Groups       []*SnapshotGroup `json:"snapshotGroups"`
	ClientTokens []*clientToken   `json:"clientTokens"`
}

// clientToken remembers which resource a ClientToken created, and from what request, so a retry gets
// the same resource and a different request reusing the token is refused.
type clientToken struct {
	Action      string `json:"action"`
	Token       string `json:"token"`
	Fingerprint string `json:"fingerprint"`
	ResourceID  string `json:"resourceId"`
}

type store struct {
	root      string // <DataDir>/ecs
	path      string
	offset    time.Duration // the ECS clock runs this far ahead of the wall clock
	disks     map[string]*Disk
	snapshots map[string]*Snapshot
	groups    map[string]*SnapshotGroup
	tokens    map[string]*clientToken // by action + "/" + token
}

func openStore(dataDir string) (*store, error) {
	dir := filepath.Join(dataDir, "ecs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create ecs state dir: %w", err)
	}
	st := &store{root: dir, path: filepath.Join(dir, "state.json"), disks: map[string]*Disk{}, snapshots: map[string]*Snapshot{},
		groups: map[string]*SnapshotGroup{}, tokens: map[string]*clientToken{}}
	// A write interrupted before its rename leaves a temporary file; the state it held never counted.
	if stale, err := filepath.Glob(st.path + ".tmp-*"); err == nil {
		for _, f := range stale {
			_ = os.Remove(f)
		}
	}
	data, err := os.ReadFile(st.path)
	if errors.Is(err, os.ErrNotExist) {
		return st, st.reconcileContent()
	} else if err != nil {
		return nil, fmt.Errorf("read ecs state: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode ecs state %s: %w", st.path, err)
	}
	st.offset = f.ClockOffset
	for _, d := range f.Disks {
		st.disks[d.ID] = d
	}
	for _, s := range f.Snapshots {
		st.snapshots[s.ID] = s
	}
	for _, g := range f.Groups {
		st.groups[g.ID] = g
	}
	for _, t := range f.ClientTokens {
		st.tokens[t.Action+"/"+t.Token] = t
	}
	return st, st.reconcileContent()
}

// save writes the whole state atomically.
func (st *store) save() error {
	f := stateFile{ClockOffset: st.offset, Disks: svc.SortedValues(st.disks), Snapshots: svc.SortedValues(st.snapshots),
		Groups: svc.SortedValues(st.groups), ClientTokens: svc.SortedValues(st.tokens)}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode ecs state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(st.path), "state.json.tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary ecs state: %w", err)
	}
	_, werr := tmp.Write(data)
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write ecs state: %w", err)
	}
	if err := os.Rename(tmp.Name(), st.path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("replace ecs state: %w", err)
	}
	return nil
}

// reap releases snapshots whose RetentionDays have run out on the ECS clock, and snapshot groups left
// empty. It reports whether anything went.
func (st *store) reap(now time.Time) bool {
	changed := false
	for id, snap := range st.snapshots {
		if at, ok := snap.expiresAt(); ok && !now.Before(at) {
			st.removeSnapshot(id)
			changed = true
		}
	}
	return changed
}

// removeSnapshot deletes a snapshot, its content and its place in a group; a group without snapshots
// goes too. Content that cannot be removed now is swept at the next start.
func (st *store) removeSnapshot(id string) {
	snap := st.snapshots[id]
	if snap == nil {
		return
	}
	delete(st.snapshots, id)
	_ = removeContent(st.snapshotDir(id))
	g := st.groups[snap.GroupID]
	if g == nil {
		return
	}
	for i, sid := range g.SnapshotIDs {
		if sid == id {
			g.SnapshotIDs = append(g.SnapshotIDs[:i], g.SnapshotIDs[i+1:]...)
			break
		}
	}
	if len(g.SnapshotIDs) == 0 {
		delete(st.groups, g.ID)
	}
}

// disksFrom lists the disks created from a snapshot.
func (st *store) disksFrom(snapshotID string) []string {
	var ids []string
	for _, d := range st.disks {
		if d.SourceSnapshotID == snapshotID {
			ids = append(ids, d.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// uniqueID draws IDs until one is free in every map, so a fixture ID never shadows another resource.
func (st *store) uniqueID(prefix string) string {
	for {
		id := newID(prefix)
		if st.disks[id] == nil && st.snapshots[id] == nil && st.groups[id] == nil {
			return id
		}
	}
}

// regionOf finds the region of a disk, snapshot or snapshot group by its ID; "" when unknown.
func (st *store) regionOf(id string) string {
	if d := st.disks[id]; d != nil {
		return d.Region
	}
	if s := st.snapshots[id]; s != nil {
		return s.Region
	}
	if g := st.groups[id]; g != nil {
		return g.Region
	}
	return ""
}
