package volumesnapshotter

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// fakeECS is a stateful in-memory ECS: disks, snapshots that finish after a number of reads, copies
// across regions, ClientToken idempotency, and errors injected per operation, before it or (a lost
// answer) after it took effect.
type fakeECS struct {
	mu        sync.Mutex
	zones     map[string][]ecs.Zone // region -> zones
	disks     map[string]*ecs.Disk
	snapshots map[string]*ecs.Snapshot
	tokens    map[string]string // ClientToken -> resource ID
	seq       int
	// readsToFinish is how many DescribeSnapshot calls a new snapshot or copy stays progressing for.
	readsToFinish int
	reads         map[string]int
	// clock and diskReadyAfter: a new disk stays Creating for diskReadyAfter on the clock; with 0, until
	// it is read once.
	clock          clock.PassiveClock
	diskReadyAfter time.Duration
	readyAt        map[string]time.Time
	// copiesStall keeps copies progressing for good.
	copiesStall bool
	failNext    map[string]error // operation -> error for its next call
	// loseAnswers: the operation's calls take effect, then fail as if the answer was lost.
	loseAnswers  map[string]bool
	calls        map[string]int
	lastDisk     ecs.DiskOptions
	lastSnapshot ecs.SnapshotOptions
	lastCopy     ecs.CopySnapshotOptions
}

func newFakeECS() *fakeECS {
	all := []string{"cloud_essd", "cloud_auto", "cloud_efficiency", "cloud_ssd"}
	return &fakeECS{
		zones: map[string][]ecs.Zone{
			"cn-hangzhou": {{ID: "cn-hangzhou-h", DiskCategories: all}, {ID: "cn-hangzhou-i", DiskCategories: all}},
			"cn-beijing":  {{ID: "cn-beijing-h", DiskCategories: all}, {ID: "cn-beijing-i", DiskCategories: []string{"cloud_essd"}}},
		},
		disks: map[string]*ecs.Disk{}, snapshots: map[string]*ecs.Snapshot{}, tokens: map[string]string{},
		reads: map[string]int{}, failNext: map[string]error{}, loseAnswers: map[string]bool{}, calls: map[string]int{},
		readyAt: map[string]time.Time{}, clock: clock.RealClock{},
	}
}

func (f *fakeECS) addDisk(d ecs.Disk) *ecs.Disk {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d.Status == "" {
		d.Status = ecs.DiskInUse
	}
	f.disks[d.ID] = &d
	return &d
}

func (f *fakeECS) enter(ctx context.Context, op string) error {
	f.calls[op]++
	if ctx.Err() != nil {
		// As the real client: a call on a context that has ended is not made.
		return &cloud.Error{Service: "ecs", Operation: op, Kind: cloud.ErrUnavailable, Message: "timed out", Err: ctx.Err()}
	}
	if err := f.failNext[op]; err != nil {
		delete(f.failNext, op)
		return err
	}
	return nil
}

func (f *fakeECS) newID(prefix string) string {
	f.seq++
	return fmt.Sprintf("%s-fake%04d", prefix, f.seq)
}

// answer is what a call that took effect returns: its result, or a lost answer.
func (f *fakeECS) answer(op string, err error) error {
	if err == nil && f.loseAnswers[op] {
		return &cloud.Error{Service: "ecs", Operation: op, Kind: cloud.ErrUnavailable, Message: "connection reset"}
	}
	return err
}

func notFoundErr(op, id string) error {
	return &cloud.Error{Service: "ecs", Operation: op, Resource: id, Kind: cloud.ErrNotFound, Code: "InvalidSnapshotId.NotFound"}
}

func (f *fakeECS) DescribeDisk(ctx context.Context, region, diskID string) (*ecs.Disk, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DescribeDisk"); err != nil {
		return nil, err
	}
	d := f.disks[diskID]
	if d == nil || d.Region != region {
		return nil, notFoundErr("DescribeDisks", diskID)
	}
	out := *d
	if at, timed := f.readyAt[diskID]; d.Status == ecs.DiskCreating && (!timed || !f.clock.Now().Before(at)) {
		d.Status = ecs.DiskAvailable // untimed: available on the next read
	}
	out.Tags = maps.Clone(d.Tags)
	return &out, nil
}

func (f *fakeECS) CreateDisk(ctx context.Context, o ecs.DiskOptions) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateDisk"); err != nil {
		return "", err
	}
	f.lastDisk = o
	if id, ok := f.tokens[o.ClientToken]; ok && o.ClientToken != "" {
		return id, f.answer("CreateDisk", nil)
	}
	snap := f.snapshots[o.SnapshotID]
	if snap == nil || snap.Region != o.Region {
		return "", notFoundErr("CreateDisk", o.SnapshotID)
	}
	if !snap.Available {
		return "", &cloud.Error{Service: "ecs", Operation: "CreateDisk", Kind: cloud.ErrInvalid, Code: "IncorrectSnapshotStatus"}
	}
	d := &ecs.Disk{ID: f.newID("d"), Region: o.Region, Zone: o.Zone, Category: o.Category, PerformanceLevel: o.PerformanceLevel,
		SizeGiB: o.SizeGiB, ProvisionedIOPS: o.ProvisionedIOPS, BurstingEnabled: o.BurstingEnabled, Encrypted: o.Encrypted,
		KMSKeyID: o.KMSKeyID, Status: ecs.DiskCreating, Tags: maps.Clone(o.Tags)}
	f.disks[d.ID] = d
	f.tokens[o.ClientToken] = d.ID
	if f.diskReadyAfter > 0 {
		f.readyAt[d.ID] = f.clock.Now().Add(f.diskReadyAfter)
	}
	return d.ID, f.answer("CreateDisk", nil)
}

func (f *fakeECS) DeleteDisk(ctx context.Context, region, diskID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteDisk"); err != nil {
		return err
	}
	d := f.disks[diskID]
	if d == nil || d.Region != region {
		return nil
	}
	if d.Status != ecs.DiskAvailable {
		return &cloud.Error{Service: "ecs", Operation: "DeleteDisk", Resource: diskID, Kind: cloud.ErrInvalid, Code: "IncorrectDiskStatus"}
	}
	delete(f.disks, diskID)
	return nil
}

func (f *fakeECS) FindDisks(ctx context.Context, region string, tags map[string]string) ([]*ecs.Disk, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "FindDisks"); err != nil {
		return nil, err
	}
	var out []*ecs.Disk
	for _, d := range f.disks {
		if d.Region == region && hasTags(d.Tags, tags) {
			c := *d
			out = append(out, &c)
		}
	}
	return out, nil
}

func (f *fakeECS) FindSnapshots(ctx context.Context, region string, tags map[string]string) ([]*ecs.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "FindSnapshots"); err != nil {
		return nil, err
	}
	var out []*ecs.Snapshot
	for _, s := range f.snapshots {
		if s.Region == region && hasTags(s.Tags, tags) {
			c := *s
			out = append(out, &c)
		}
	}
	return out, nil
}

func hasTags(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

func (f *fakeECS) CreateSnapshot(ctx context.Context, o ecs.SnapshotOptions) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CreateSnapshot"); err != nil {
		return "", err
	}
	f.lastSnapshot = o
	if id, ok := f.tokens[o.ClientToken]; ok && o.ClientToken != "" {
		return id, nil
	}
	d := f.disks[o.DiskID]
	if d == nil || d.Region != o.Region {
		return "", notFoundErr("CreateSnapshot", o.DiskID)
	}
	s := &ecs.Snapshot{ID: f.newID("s"), Region: o.Region, Status: ecs.SnapshotProgressing, InstantAccess: o.InstantAccess,
		Available: o.InstantAccess, SourceDiskID: d.ID, SourceDiskSizeGiB: d.SizeGiB,
		RetentionDays: o.RetentionDays, Encrypted: d.Encrypted, KMSKeyID: d.KMSKeyID, Tags: maps.Clone(o.Tags)}
	f.snapshots[s.ID] = s
	f.tokens[o.ClientToken] = s.ID
	return s.ID, nil
}

func (f *fakeECS) DescribeSnapshot(ctx context.Context, region, id string) (*ecs.Snapshot, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DescribeSnapshot"); err != nil {
		return nil, err
	}
	s := f.snapshots[id]
	if s == nil || s.Region != region {
		return nil, notFoundErr("DescribeSnapshots", id)
	}
	stalled := f.copiesStall && s.SourceSnapshotID != ""
	if f.reads[id]++; s.Status == ecs.SnapshotProgressing && f.reads[id] > f.readsToFinish && !stalled {
		s.Status, s.Available, s.Progress = ecs.SnapshotAccomplished, true, 100
	}
	out := *s
	out.Tags = maps.Clone(s.Tags)
	return &out, nil
}

func (f *fakeECS) CopySnapshot(ctx context.Context, o ecs.CopySnapshotOptions) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "CopySnapshot"); err != nil {
		return "", err
	}
	f.lastCopy = o
	if id, ok := f.tokens[o.ClientToken]; ok && o.ClientToken != "" {
		return id, f.answer("CopySnapshot", nil)
	}
	src := f.snapshots[o.SnapshotID]
	if src == nil || src.Region != o.SourceRegion {
		return "", notFoundErr("CopySnapshot", o.SnapshotID)
	}
	if src.Status != ecs.SnapshotAccomplished {
		return "", &cloud.Error{Service: "ecs", Operation: "CopySnapshot", Kind: cloud.ErrInvalid, Code: "IncorrectSnapshotStatus"}
	}
	c := *src
	c.ID, c.Region, c.Status, c.Available = f.newID("s"), o.DestinationRegion, ecs.SnapshotProgressing, false
	c.SourceSnapshotID, c.SourceRegion, c.RetentionDays = src.ID, src.Region, o.RetentionDays
	c.Encrypted, c.KMSKeyID = o.Encrypted || src.Encrypted, o.KMSKeyID
	c.Tags = maps.Clone(src.Tags)
	maps.Copy(c.Tags, o.Tags)
	f.snapshots[c.ID] = &c
	f.tokens[o.ClientToken] = c.ID
	return c.ID, f.answer("CopySnapshot", nil)
}

func (f *fakeECS) DeleteSnapshot(ctx context.Context, region, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DeleteSnapshot"); err != nil {
		return err
	}
	s := f.snapshots[id]
	if s == nil || s.Region != region {
		return notFoundErr("DeleteSnapshot", id)
	}
	delete(f.snapshots, id)
	return nil
}

func (f *fakeECS) DescribeZones(ctx context.Context, region string) ([]ecs.Zone, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.enter(ctx, "DescribeZones"); err != nil {
		return nil, err
	}
	return f.zones[region], nil
}
