package ecs

import (
	"net/http"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

// action is one ECS API operation.
type action struct {
	// target names the region and the resource a request addresses, for faults and logs. It runs before
	// authentication, so it only looks things up.
	target func(st *store, p params) (region, resource string)
	run    func(s *Service, c *call) (any, *apiError)
}

var actions = map[string]action{
	"DescribeRegions":        {target: regionAnd(""), run: (*Service).describeRegions},
	"DescribeZones":          {target: regionAnd(""), run: (*Service).describeZones},
	"DescribeDisks":          {target: regionAnd(""), run: (*Service).describeDisks},
	"CreateDisk":             {target: regionAnd("SnapshotId"), run: (*Service).createDisk},
	"DeleteDisk":             {target: ownerOf("DiskId"), run: (*Service).deleteDisk},
	"CreateSnapshot":         {target: ownerOf("DiskId"), run: (*Service).createSnapshot},
	"DescribeSnapshots":      {target: regionAnd(""), run: (*Service).describeSnapshots},
	"DeleteSnapshot":         {target: ownerOf("SnapshotId"), run: (*Service).deleteSnapshot},
	"CopySnapshot":           {target: regionAnd("SnapshotId"), run: (*Service).copySnapshot},
	"CreateSnapshotGroup":    {target: regionAnd(""), run: (*Service).createSnapshotGroup},
	"DescribeSnapshotGroups": {target: regionAnd(""), run: (*Service).describeSnapshotGroups},
	"DeleteSnapshotGroup":    {target: regionAnd("SnapshotGroupId"), run: (*Service).deleteSnapshotGroup},
}

// regionAnd targets the request's RegionId and the resource named by idParam ("" for none).
func regionAnd(idParam string) func(*store, params) (string, string) {
	return func(_ *store, p params) (string, string) {
		if idParam == "" {
			return p.str("RegionId"), ""
		}
		return p.str("RegionId"), p.str(idParam)
	}
}

// ownerOf targets the resource named by idParam and the region it lives in. Requests such as
// CreateSnapshot carry no RegionId: the real service knows the region from its endpoint, the emulator
// serves every region on one endpoint and knows it from the resource.
func ownerOf(idParam string) func(*store, params) (string, string) {
	return func(st *store, p params) (string, string) {
		id := p.str(idParam)
		if region := st.regionOf(id); region != "" {
			return region, id
		}
		return p.str("RegionId"), id
	}
}

// Claims reports whether r is an ECS RPC request: an x-acs-action header (V3 signature) or an Action
// parameter (legacy signature), with version 2014-05-26.
func Claims(r *http.Request) bool { return rpc.Claims(r, APIVersion) }
