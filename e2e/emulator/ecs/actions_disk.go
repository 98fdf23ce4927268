package ecs

import (
	"slices"
	"sort"
	"strings"
	"time"
)

func (s *Service) createDisk(c *call) (any, *apiError) {
	region, e := s.requireRegion(c.p)
	if e != nil {
		return nil, e
	}
	zoneID, e := c.p.required("ZoneId")
	if e != nil {
		return nil, e
	}
	if id, e := s.replay(c); e != nil || id != "" {
		return idResponse{RequestID: c.id, DiskID: id}, e
	}
	req := diskRequest{region: region, zoneID: zoneID, category: c.p.str("DiskCategory"),
		performanceLevel: c.p.str("PerformanceLevel"), snapshotID: c.p.str("SnapshotId"), kmsKeyID: c.p.str("KMSKeyId"),
		name: c.p.str("DiskName"), description: c.p.str("Description")}
	size, sizeSet, e := c.p.integer("Size", 0, 1<<31-1)
	if e != nil {
		return nil, e
	}
	req.size, req.sizeSet = int32(size), sizeSet
	if req.provisionedIops, req.iopsSet, e = c.p.integer("ProvisionedIops", 0, 50000); e != nil {
		return nil, e
	}
	if req.bursting, req.burstingSet, e = c.p.boolean("BurstingEnabled"); e != nil {
		return nil, e
	}
	if req.encrypted, req.encryptedSet, e = c.p.boolean("Encrypted"); e != nil {
		return nil, e
	}
	if req.tags, e = c.p.tags("Tag"); e != nil {
		return nil, e
	}
	d, e := s.buildDisk(req, c.now)
	if e != nil {
		return nil, e
	}
	d.ID = s.st.uniqueID("d-")
	if e := s.fillDisk(d); e != nil {
		return nil, e
	}
	s.st.disks[d.ID] = d
	s.remember(c, d.ID)
	c.changed = true
	return idResponse{RequestID: c.id, DiskID: d.ID}, nil
}

func (s *Service) deleteDisk(c *call) (any, *apiError) {
	id, e := c.p.required("DiskId")
	if e != nil {
		return nil, e
	}
	d := s.st.disks[id]
	if d == nil || (c.p.has("RegionId") && c.p.str("RegionId") != d.Region) {
		return nil, errDiskNotFound(id)
	}
	if st := d.status(c.now); st != DiskAvailable {
		return nil, errIncorrectDiskStatus(id, st)
	}
	delete(s.st.disks, id)
	s.dropDiskContent(id)
	c.changed = true
	return requestOnly{RequestID: c.id}, nil
}

// diskStatuses are the values DescribeDisks accepts as Status.
var diskStatuses = []string{"In_use", "Available", "Attaching", "Detaching", "Creating", "ReIniting", "All"}

func (s *Service) describeDisks(c *call) (any, *apiError) {
	region, e := s.requireRegion(c.p)
	if e != nil {
		return nil, e
	}
	ids, e := c.p.jsonList("DiskIds", 100)
	if e != nil {
		return nil, e
	}
	status := c.p.str("Status")
	if status != "" && !containsFold(diskStatuses, status) {
		return nil, errInvalidParam("Status", "Valid values: "+strings.Join(diskStatuses, ", ")+".")
	}
	encrypted, encryptedSet, e := c.p.boolean("Encrypted")
	if e != nil {
		return nil, e
	}
	tags, e := c.p.tags("Tag")
	if e != nil {
		return nil, e
	}
	match := func(d *Disk) bool {
		return d.Region == region.ID && (ids == nil || slices.Contains(ids, d.ID)) &&
			matchOpt(c.p, "ZoneId", d.Zone) && matchOpt(c.p, "Category", d.Category) &&
			matchOpt(c.p, "SnapshotId", d.SourceSnapshotID) && matchOpt(c.p, "InstanceId", d.InstanceID) &&
			matchOpt(c.p, "DiskName", d.Name) && (!encryptedSet || d.Encrypted == encrypted) &&
			(status == "" || strings.EqualFold(status, "All") || strings.EqualFold(status, d.status(c.now))) &&
			hasTags(d.Tags, tags)
	}
	var found []*Disk
	for _, d := range s.st.disks {
		if match(d) {
			found = append(found, d)
		}
	}
	sort.Slice(found, func(i, j int) bool { return newerFirst(found[i].Created, found[j].Created, found[i].ID, found[j].ID) })
	start, end, info, e := paginate(c.p, len(found), false)
	if e != nil {
		return nil, e
	}
	out := []diskOut{}
	for _, d := range found[start:end] {
		out = append(out, diskJSON(d, c.now))
	}
	return struct {
		RequestID string `json:"RequestId"`
		pageInfo
		Disks map[string][]diskOut `json:"Disks"`
	}{c.id, info, map[string][]diskOut{"Disk": out}}, nil
}

// matchOpt is true when the filter parameter is absent or equals the value.
func matchOpt(p params, name, value string) bool { return !p.has(name) || p.str(name) == value }

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// newerFirst orders Describe results as ECS does: newest first, ties by ID.
func newerFirst(a, b time.Time, idA, idB string) bool {
	if !a.Equal(b) {
		return a.After(b)
	}
	return idA < idB
}
