package ecs

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// newSnapshot starts a snapshot of d. Instant access makes it usable at once, but only ESSD-family disks
// offer it.
func (s *Service) newSnapshot(d *Disk, now time.Time, instant bool) *Snapshot {
	snap := &Snapshot{ID: s.st.uniqueID("s-"), Region: d.Region, SourceDiskID: d.ID, SourceDiskSizeGiB: d.SizeGiB,
		SourceDiskCategory: d.Category, Encrypted: d.Encrypted, KMSKeyID: d.KMSKeyID, InstantAccess: instant && essdFamily(d.Category),
		Created: now, ReadyAt: now.Add(s.settings.SnapshotDuration)}
	snap.AvailableAt = snap.ReadyAt
	if snap.InstantAccess {
		snap.AvailableAt = now
	}
	return snap
}

// snapshotName checks a snapshot name the way ECS does: 2 to 128 characters, and "auto" is reserved
// for automatic snapshots.
func snapshotName(p params, name string) (string, *apiError) {
	v := p.str(name)
	if v != "" && (len(v) < 2 || len(v) > 128 || strings.HasPrefix(v, "auto")) {
		return "", newError(http.StatusBadRequest, "InvalidSnapshotName.Malformed",
			fmt.Sprintf("The specified %s %q is not valid: 2 to 128 characters, not starting with auto.", name, v))
	}
	return v, nil
}

func (s *Service) createSnapshot(c *call) (any, *apiError) {
	diskID, e := c.p.required("DiskId")
	if e != nil {
		return nil, e
	}
	d := s.st.disks[diskID]
	if d == nil || (c.p.has("RegionId") && c.p.str("RegionId") != d.Region) {
		return nil, errDiskNotFound(diskID)
	}
	if id, e := s.replay(c); e != nil || id != "" {
		return idResponse{RequestID: c.id, SnapshotID: id}, e
	}
	if st := d.status(c.now); st == DiskCreating {
		return nil, errIncorrectDiskStatus(diskID, st)
	}
	retention, _, e := c.p.integer("RetentionDays", 1, 65536)
	if e != nil {
		return nil, e
	}
	instant, _, e := c.p.boolean("InstantAccess")
	if e != nil {
		return nil, e
	}
	instantDays, _, e := c.p.integer("InstantAccessRetentionDays", 1, 65535)
	if e != nil {
		return nil, e
	}
	name, e := snapshotName(c.p, "SnapshotName")
	if e != nil {
		return nil, e
	}
	tags, e := c.p.tags("Tag")
	if e != nil {
		return nil, e
	}
	snap := s.newSnapshot(d, c.now, instant)
	snap.Name, snap.Description, snap.RetentionDays, snap.Tags = name, c.p.str("Description"), int32(retention), tags
	if snap.InstantAccess {
		snap.InstantAccessRetentionDays = int32(instantDays)
	}
	if e := s.captureContent(snap.ID, s.st.diskDir(d.ID)); e != nil {
		return nil, e
	}
	s.st.snapshots[snap.ID] = snap
	s.remember(c, snap.ID)
	c.changed = true
	return idResponse{RequestID: c.id, SnapshotID: snap.ID}, nil
}

var snapshotStatuses = []string{SnapshotProgressing, SnapshotAccomplished, "failed", "all"}

func (s *Service) describeSnapshots(c *call) (any, *apiError) {
	region, e := s.requireRegion(c.p)
	if e != nil {
		return nil, e
	}
	ids, e := c.p.jsonList("SnapshotIds", 100)
	if e != nil {
		return nil, e
	}
	status := c.p.str("Status")
	if status != "" && !containsFold(snapshotStatuses, status) {
		return nil, errInvalidParam("Status", "Valid values: "+strings.Join(snapshotStatuses, ", ")+".")
	}
	encrypted, encryptedSet, e := c.p.boolean("Encrypted")
	if e != nil {
		return nil, e
	}
	tags, e := c.p.tags("Tag")
	if e != nil {
		return nil, e
	}
	// Every emulated snapshot is a manual snapshot of a data disk.
	typeOK := !c.p.has("SnapshotType") || containsFold([]string{"user", "all"}, c.p.str("SnapshotType"))
	sourceOK := !c.p.has("SourceDiskType") || strings.EqualFold(c.p.str("SourceDiskType"), sourceDiskType)
	var found []*Snapshot
	for _, snap := range s.st.snapshots {
		if snap.Region == region.ID && typeOK && sourceOK && (ids == nil || slices.Contains(ids, snap.ID)) &&
			matchOpt(c.p, "DiskId", snap.SourceDiskID) && matchOpt(c.p, "SnapshotName", snap.Name) &&
			(status == "" || strings.EqualFold(status, "all") || strings.EqualFold(status, snap.status(c.now))) &&
			(!encryptedSet || snap.Encrypted == encrypted) && hasTags(snap.Tags, tags) {
			found = append(found, snap)
		}
	}
	sort.Slice(found, func(i, j int) bool { return newerFirst(found[i].Created, found[j].Created, found[i].ID, found[j].ID) })
	start, end, info, e := paginate(c.p, len(found), false)
	if e != nil {
		return nil, e
	}
	out := []snapshotOut{}
	for _, snap := range found[start:end] {
		out = append(out, s.snapshotJSON(snap, c.now))
	}
	return struct {
		RequestID string `json:"RequestId"`
		pageInfo
		Snapshots map[string][]snapshotOut `json:"Snapshots"`
	}{c.id, info, map[string][]snapshotOut{"Snapshot": out}}, nil
}

func (s *Service) deleteSnapshot(c *call) (any, *apiError) {
	id, e := c.p.required("SnapshotId")
	if e != nil {
		return nil, e
	}
	force, _, e := c.p.boolean("Force")
	if e != nil {
		return nil, e
	}
	snap := s.st.snapshots[id]
	if snap == nil || (c.p.has("RegionId") && c.p.str("RegionId") != snap.Region) {
		return nil, errSnapshotNotFound(id)
	}
	if disks := s.st.disksFrom(id); len(disks) > 0 && !force {
		return nil, newError(http.StatusForbidden, "SnapshotCreatedDisk",
			fmt.Sprintf("The snapshot %s has been used to create disk(s) %s; set Force to delete it anyway.", id, strings.Join(disks, ", ")))
	}
	s.st.removeSnapshot(id)
	c.changed = true
	return requestOnly{RequestID: c.id}, nil
}

func (s *Service) copySnapshot(c *call) (any, *apiError) {
	region, e := s.requireRegion(c.p)
	if e != nil {
		return nil, e
	}
	id, e := c.p.required("SnapshotId")
	if e != nil {
		return nil, e
	}
	destID, e := c.p.required("DestinationRegionId")
	if e != nil {
		return nil, e
	}
	if s.model.region[destID] == nil {
		return nil, newError(http.StatusNotFound, "InvalidRegionId.NotFound",
			fmt.Sprintf("The specified DestinationRegionId %s does not exist.", destID))
	}
	src := s.st.snapshots[id]
	if src == nil || src.Region != region.ID {
		return nil, errSnapshotNotFound(id)
	}
	if destID == region.ID {
		return nil, newError(http.StatusForbidden, "InvalidOperation.NotSupportCopyInSameRegion",
			"Copying snapshot in the same region is not supported. Please specify a different DestinationRegionId and try again.")
	}
	if cid, e := s.replay(c); e != nil || cid != "" {
		return idResponse{RequestID: c.id, SnapshotID: cid}, e
	}
	if st := src.status(c.now); st != SnapshotAccomplished {
		return nil, errIncorrectSnapshotStatus(id, "only an accomplished snapshot can be copied, this one is "+st)
	}
	retention, _, e := c.p.integer("RetentionDays", 1, 65536)
	if e != nil {
		return nil, e
	}
	encrypted, _, e := c.p.boolean("Encrypted")
	if e != nil {
		return nil, e
	}
	name, e := snapshotName(c.p, "DestinationSnapshotName")
	if e != nil {
		return nil, e
	}
	tags, e := c.p.tags("Tag")
	if e != nil {
		return nil, e
	}
	cp := &Snapshot{ID: s.st.uniqueID("s-"), Region: destID, Name: name, Description: c.p.str("DestinationSnapshotDescription"),
		SourceDiskID: src.SourceDiskID, SourceDiskSizeGiB: src.SourceDiskSizeGiB, SourceDiskCategory: src.SourceDiskCategory,
		SourceRegion: region.ID, SourceSnapshotID: src.ID, Encrypted: src.Encrypted || encrypted, RetentionDays: int32(retention),
		Tags: tags, Created: c.now, ReadyAt: c.now.Add(s.settings.SnapshotDuration)}
	cp.AvailableAt = cp.ReadyAt
	if cp.Encrypted {
		// KMS keys are regional: the copy is encrypted with the key named for the destination, or the
		// destination's service key when none is named.
		cp.KMSKeyID = c.p.str("KMSKeyId")
	}
	if e := s.captureContent(cp.ID, s.st.snapshotDir(src.ID)); e != nil {
		return nil, e
	}
	s.st.snapshots[cp.ID] = cp
	s.remember(c, cp.ID)
	c.changed = true
	return idResponse{RequestID: c.id, SnapshotID: cp.ID}, nil
}
