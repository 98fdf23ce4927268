package ecs

import (
	"fmt"
	"net/http"
	"slices"
	"sort"
	"time"
)

// maxGroupDisks is how many disks one snapshot-consistent group may cover.
const maxGroupDisks = 16

func (s *Service) createSnapshotGroup(c *call) (any, *apiError) {
	region, e := s.requireRegion(c.p)
	if e != nil {
		return nil, e
	}
	if id, e := s.replay(c); e != nil || id != "" {
		return idResponse{RequestID: c.id, SnapshotGroupID: id}, e
	}
	disks, e := s.groupDisks(c, region.ID)
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
	tags, e := c.p.tags("Tag")
	if e != nil {
		return nil, e
	}
	g := &SnapshotGroup{ID: s.st.uniqueID("ssg-"), Region: region.ID, Name: c.p.str("Name"), Description: c.p.str("Description"),
		InstanceID: c.p.str("InstanceId"), Tags: tags, Created: c.now}
	for _, d := range disks {
		snap := s.newSnapshot(d, c.now, instant)
		snap.GroupID, snap.Tags = g.ID, slices.Clone(tags)
		if snap.InstantAccess {
			snap.InstantAccessRetentionDays = int32(instantDays)
		}
		if e := s.captureContent(snap.ID, s.st.diskDir(d.ID)); e != nil {
			for _, id := range g.SnapshotIDs {
				s.st.removeSnapshot(id) // the group is not stored: its taken snapshots go with it
			}
			return nil, e
		}
		s.st.snapshots[snap.ID] = snap
		g.SnapshotIDs = append(g.SnapshotIDs, snap.ID)
	}
	s.st.groups[g.ID] = g
	s.remember(c, g.ID)
	c.changed = true
	return idResponse{RequestID: c.id, SnapshotGroupID: g.ID}, nil
}

// groupDisks resolves the disks of a group: those named by DiskId.N, or else all disks attached to
// InstanceId, minus ExcludeDiskId.N.
func (s *Service) groupDisks(c *call, region string) ([]*Disk, *apiError) {
	ids, instance := c.p.list("DiskId"), c.p.str("InstanceId")
	if len(ids) == 0 && instance == "" {
		return nil, errMissing("DiskId.N or InstanceId")
	}
	if instance != "" {
		var attached []string
		for _, d := range s.st.disks {
			if d.Region == region && d.InstanceID == instance {
				attached = append(attached, d.ID)
			}
		}
		if len(attached) == 0 {
			return nil, newError(http.StatusNotFound, "InvalidInstanceId.NotFound", fmt.Sprintf("The specified instance %s does not exist.", instance))
		}
		if len(ids) == 0 {
			sort.Strings(attached)
			ids = attached
		}
	}
	exclude := c.p.list("ExcludeDiskId")
	var disks []*Disk
	for _, id := range ids {
		d := s.st.disks[id]
		if d == nil || d.Region != region {
			return nil, errDiskNotFound(id)
		}
		if st := d.status(c.now); st == DiskCreating {
			return nil, errIncorrectDiskStatus(id, st)
		}
		if !slices.Contains(exclude, id) {
			disks = append(disks, d)
		}
	}
	switch {
	case len(disks) == 0:
		return nil, errInvalidParam("ExcludeDiskId.N", "No disk is left for the snapshot group.")
	case len(disks) > maxGroupDisks:
		return nil, errInvalidParam("DiskId.N", fmt.Sprintf("A snapshot group covers at most %d disks.", maxGroupDisks))
	}
	return disks, nil
}

// groupStatus is progressing while any of its snapshots is.
func (s *Service) groupStatus(g *SnapshotGroup, now time.Time) string {
	for _, id := range g.SnapshotIDs {
		if snap := s.st.snapshots[id]; snap != nil && snap.status(now) == SnapshotProgressing {
			return SnapshotProgressing
		}
	}
	return SnapshotAccomplished
}

type groupSnapshotOut struct {
	SnapshotID                 string                `json:"SnapshotId"`
	SourceDiskID               string                `json:"SourceDiskId"`
	SourceDiskType             string                `json:"SourceDiskType"`
	Progress                   string                `json:"Progress"`
	Available                  bool                  `json:"Available"`
	InstantAccess              bool                  `json:"InstantAccess"`
	InstantAccessRetentionDays *int32                `json:"InstantAccessRetentionDays,omitempty"`
	Tags                       map[string][]keyValue `json:"Tags"`
}

type groupOut struct {
	SnapshotGroupID string                        `json:"SnapshotGroupId"`
	Name            string                        `json:"Name"`
	Description     string                        `json:"Description"`
	InstanceID      string                        `json:"InstanceId"`
	Status          string                        `json:"Status"`
	CreationTime    string                        `json:"CreationTime"`
	Tags            map[string][]keyValue         `json:"Tags"`
	Snapshots       map[string][]groupSnapshotOut `json:"Snapshots"`
}

func (s *Service) groupJSON(g *SnapshotGroup, now time.Time) groupOut {
	snaps := []groupSnapshotOut{}
	for _, id := range g.SnapshotIDs {
		snap := s.st.snapshots[id]
		if snap == nil {
			continue
		}
		o := s.snapshotJSON(snap, now)
		snaps = append(snaps, groupSnapshotOut{SnapshotID: o.SnapshotID, SourceDiskID: o.SourceDiskID, SourceDiskType: o.SourceDiskType,
			Progress: o.Progress, Available: o.Available, InstantAccess: o.InstantAccess,
			InstantAccessRetentionDays: o.InstantAccessRetentionDays, Tags: keyValueJSON(snap.Tags)})
	}
	return groupOut{SnapshotGroupID: g.ID, Name: g.Name, Description: g.Description, InstanceID: g.InstanceID,
		Status: s.groupStatus(g, now), CreationTime: formatTime(g.Created), Tags: keyValueJSON(g.Tags),
		Snapshots: map[string][]groupSnapshotOut{"Snapshot": snaps}}
}

func (s *Service) describeSnapshotGroups(c *call) (any, *apiError) {
	region, e := s.requireRegion(c.p)
	if e != nil {
		return nil, e
	}
	ids, statuses := c.p.list("SnapshotGroupId"), c.p.list("Status")
	tags, e := c.p.tags("Tag")
	if e != nil {
		return nil, e
	}
	var found []*SnapshotGroup
	for _, g := range s.st.groups {
		if g.Region == region.ID && (len(ids) == 0 || slices.Contains(ids, g.ID)) && matchOpt(c.p, "InstanceId", g.InstanceID) &&
			matchOpt(c.p, "Name", g.Name) && (len(statuses) == 0 || containsFold(statuses, s.groupStatus(g, c.now))) &&
			hasTags(g.Tags, tags) {
			found = append(found, g)
		}
	}
	sort.Slice(found, func(i, j int) bool { return newerFirst(found[i].Created, found[j].Created, found[i].ID, found[j].ID) })
	start, end, info, e := paginate(c.p, len(found), true)
	if e != nil {
		return nil, e
	}
	out := []groupOut{}
	for _, g := range found[start:end] {
		out = append(out, s.groupJSON(g, c.now))
	}
	return struct {
		RequestID      string                `json:"RequestId"`
		NextToken      string                `json:"NextToken"`
		SnapshotGroups map[string][]groupOut `json:"SnapshotGroups"`
	}{c.id, *info.NextToken, map[string][]groupOut{"SnapshotGroup": out}}, nil
}

type operationProgress struct {
	OperationStatus string                         `json:"OperationStatus"`
	ErrorCode       string                         `json:"ErrorCode,omitempty"`
	ErrorMsg        string                         `json:"ErrorMsg,omitempty"`
	RelatedItemSet  map[string][]map[string]string `json:"RelatedItemSet"`
}

// deleteSnapshotGroup deletes the group's snapshots one by one and reports each; a snapshot disks were
// created from stays (with the group) and is reported as failed.
func (s *Service) deleteSnapshotGroup(c *call) (any, *apiError) {
	region, e := s.requireRegion(c.p)
	if e != nil {
		return nil, e
	}
	id, e := c.p.required("SnapshotGroupId")
	if e != nil {
		return nil, e
	}
	g := s.st.groups[id]
	if g == nil || g.Region != region.ID {
		return nil, newError(http.StatusNotFound, "InvalidSnapshotGroupId.NotFound", fmt.Sprintf("The specified snapshot group %s does not exist.", id))
	}
	progress := []operationProgress{}
	for _, sid := range slices.Clone(g.SnapshotIDs) {
		p := operationProgress{OperationStatus: "Success",
			RelatedItemSet: map[string][]map[string]string{"RelatedItem": {{"Name": "SnapshotId", "Value": sid}}}}
		if disks := s.st.disksFrom(sid); len(disks) > 0 {
			p.OperationStatus, p.ErrorCode = "Failed", "SnapshotCreatedDisk"
			p.ErrorMsg = "The snapshot has been used to create disk(s)."
		} else {
			s.st.removeSnapshot(sid)
		}
		progress = append(progress, p)
	}
	c.changed = true
	return struct {
		RequestID            string                         `json:"RequestId"`
		OperationProgressSet map[string][]operationProgress `json:"OperationProgressSet"`
	}{c.id, map[string][]operationProgress{"OperationProgress": progress}}, nil
}
