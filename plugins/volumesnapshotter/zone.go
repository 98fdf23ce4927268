package volumesnapshotter

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// zoneCandidate is a zone a restored disk could go to, and where the suggestion came from.
type zoneCandidate struct {
	zone, from string
}

// zoneCandidates in order of preference: the zone Velero passes (the PV's zone at backup time, or
// the zone a user mapped it to), the source disk's zone, then the location's zone.
func zoneCandidates(velero, original, location string) []zoneCandidate {
	var out []zoneCandidate
	for _, c := range []zoneCandidate{{velero, "Velero's volume zone"}, {original, "the source disk's zone"},
		{location, "the location's zone config"}} {
		if c.zone != "" && !slices.ContainsFunc(out, func(o zoneCandidate) bool { return o.zone == c.zone }) {
			out = append(out, c)
		}
	}
	return out
}

// chooseZone returns the first candidate that is in the location's region and offers the category,
// or an error that names every candidate and why it was refused.
func (s *Snapshotter) chooseZone(ctx context.Context, category string, candidates []zoneCandidate) (string, error) {
	zones, err := s.client.DescribeZones(ctx, s.cfg.Region)
	if err != nil {
		return "", fmt.Errorf("list zones of region %s: %w", s.cfg.Region, err)
	}
	offered := map[string][]string{}
	var offering []string
	for _, z := range zones {
		offered[z.ID] = z.DiskCategories
		if slices.Contains(z.DiskCategories, category) {
			offering = append(offering, z.ID)
		}
	}
	var refused []string
	for _, c := range candidates {
		cats, inRegion := offered[c.zone]
		switch {
		case !inRegion:
			refused = append(refused, fmt.Sprintf("%s (%s) is not a zone of region %s", c.zone, c.from, s.cfg.Region))
		case !slices.Contains(cats, category):
			refused = append(refused, fmt.Sprintf("%s (%s) does not offer %s disks", c.zone, c.from, category))
		default:
			return c.zone, nil
		}
	}
	if len(candidates) == 0 {
		refused = append(refused, "no zone was known for the volume")
	}
	return "", fmt.Errorf("no zone for a %s disk in region %s: %s; set the volume snapshot location's zone config to one of: %s",
		category, s.cfg.Region, strings.Join(refused, "; "), strings.Join(offering, ", "))
}
