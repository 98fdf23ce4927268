package ecs

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"net/url"
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

// requestVersion is the API version from the x-acs-version header (every SDK request) or the Version
// parameter (legacy signature).
func requestVersion(r *http.Request, p params) string {
	if v := r.Header.Get("x-acs-version"); v != "" {
		return v
	}
	return p.str("Version")
}

// Claims reports whether r is an ECS RPC request: an x-acs-action header (V3 signature) or an Action
// parameter (legacy signature), with version 2014-05-26. The parameters may come in a form body, which is
// read to find out and put back for whoever serves the request.
func Claims(r *http.Request) bool {
	if r.Header.Get("x-acs-action") != "" && r.Header.Get("x-acs-version") == APIVersion {
		return true
	}
	q := r.URL.Query()
	if q.Get("Action") != "" && q.Get("Version") == APIVersion {
		return true
	}
	// Only an RPC-shaped request (POST / with a form) has its body read: an OSS upload is never buffered.
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" ||
		r.Method != http.MethodPost || r.URL.Path != "/" || r.Body == nil {
		return false
	}
	head, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
	if err != nil {
		return false
	}
	form, err := url.ParseQuery(string(head))
	if err != nil {
		return false
	}
	action, version := form.Get("Action"), form.Get("Version")
	if action == "" {
		action = q.Get("Action")
	}
	if version == "" {
		version = q.Get("Version")
	}
	return action != "" && version == APIVersion
}

// readCloser reads the replayed body and closes the original one.
type readCloser struct {
	io.Reader
	io.Closer
}
