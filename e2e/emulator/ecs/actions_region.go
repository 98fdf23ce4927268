package ecs

import (
	"fmt"
	"net/http"
)

// requireRegion reads RegionId, which must name a region of the model.
func (s *Service) requireRegion(p params) (*Region, *apiError) {
	id, e := p.required("RegionId")
	if e != nil {
		return nil, e
	}
	r := s.model.region[id]
	if r == nil {
		return nil, errRegionNotFound(id)
	}
	return r, nil
}

// zoneIn finds a zone of the region. A zone of another region is a client mistake worth naming (400); a
// zone nobody knows is NotFound (404), as CreateDisk answers.
func (s *Service) zoneIn(region *Region, zoneID string) (*Zone, *apiError) {
	z := s.model.zone[zoneID]
	switch {
	case z == nil:
		return nil, newError(http.StatusNotFound, "InvalidZoneId.NotFound", fmt.Sprintf("The specified zone %s does not exist.", zoneID))
	case s.model.zoneOf[zoneID] != region.ID:
		return nil, newError(http.StatusBadRequest, "InvalidZoneId.NotFound",
			fmt.Sprintf("The specified zone %s does not exist in region %s: it belongs to region %s.", zoneID, region.ID, s.model.zoneOf[zoneID]))
	}
	return z, nil
}

// replay looks up a ClientToken: the first request with the token created resourceID; the same token
// with a different request is refused, as ECS does.
func (s *Service) replay(c *call) (resourceID string, e *apiError) {
	tok := c.p.str("ClientToken")
	if tok == "" {
		return "", nil
	}
	t := s.st.tokens[c.action+"/"+tok]
	if t == nil {
		return "", nil
	}
	if t.Fingerprint != c.p.fingerprint() {
		return "", newError(http.StatusBadRequest, "IdempotentParameterMismatch",
			fmt.Sprintf("The specified ClientToken %s was used by a request with other parameters.", tok))
	}
	return t.ResourceID, nil
}

// remember records the resource a ClientToken created.
func (s *Service) remember(c *call, resourceID string) {
	if tok := c.p.str("ClientToken"); tok != "" {
		s.st.tokens[c.action+"/"+tok] = &clientToken{Action: c.action, Token: tok, Fingerprint: c.p.fingerprint(), ResourceID: resourceID}
	}
}

type regionOut struct {
	RegionID       string `json:"RegionId"`
	LocalName      string `json:"LocalName"`
	RegionEndpoint string `json:"RegionEndpoint"`
	Status         string `json:"Status"`
}

func (s *Service) describeRegions(c *call) (any, *apiError) {
	out := []regionOut{}
	for _, r := range s.model.regions {
		out = append(out, regionOut{RegionID: r.ID, LocalName: r.LocalName, RegionEndpoint: "ecs." + r.ID + ".aliyuncs.com", Status: "available"})
	}
	return struct {
		RequestID string                 `json:"RequestId"`
		Regions   map[string][]regionOut `json:"Regions"`
	}{c.id, map[string][]regionOut{"Region": out}}, nil
}

type zoneOut struct {
	ZoneID                    string              `json:"ZoneId"`
	LocalName                 string              `json:"LocalName"`
	ZoneType                  string              `json:"ZoneType"`
	AvailableDiskCategories   map[string][]string `json:"AvailableDiskCategories"`
	AvailableResourceCreation map[string][]string `json:"AvailableResourceCreation"`
	AvailableResources        map[string][]any    `json:"AvailableResources"`
}

func (s *Service) describeZones(c *call) (any, *apiError) {
	region, e := s.requireRegion(c.p)
	if e != nil {
		return nil, e
	}
	out := []zoneOut{}
	for _, z := range region.Zones {
		name := z.LocalName
		if name == "" {
			name = z.ID
		}
		cats := append([]string{}, z.DiskCategories...)
		// The SDK model spells this one nested key in lower camel case.
		dataDisks := map[string]map[string][]string{"DataDiskCategories": {"supportedDataDiskCategory": cats}}
		out = append(out, zoneOut{ZoneID: z.ID, LocalName: name, ZoneType: "AvailabilityZone",
			AvailableDiskCategories:   map[string][]string{"DiskCategories": cats},
			AvailableResourceCreation: map[string][]string{"ResourceTypes": {"Instance", "Disk"}},
			AvailableResources:        map[string][]any{"ResourcesInfo": {dataDisks}}})
	}
	return struct {
		RequestID string               `json:"RequestId"`
		Zones     map[string][]zoneOut `json:"Zones"`
	}{c.id, map[string][]zoneOut{"Zone": out}}, nil
}
