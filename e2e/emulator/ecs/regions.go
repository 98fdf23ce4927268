package ecs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
)

// Disk categories the emulator knows. A zone offers a subset of them.
const (
	CategoryCloud      = "cloud"
	CategoryEfficiency = "cloud_efficiency"
	CategorySSD        = "cloud_ssd"
	CategoryESSD       = "cloud_essd"
	CategoryAuto       = "cloud_auto"
	CategoryESSDEntry  = "cloud_essd_entry"
)

// Region is one region of the model: its zones, and the disk categories each zone sells.
type Region struct {
	ID        string `json:"id"`
	LocalName string `json:"localName,omitempty"`
	Zones     []Zone `json:"zones"`
}

// Zone is one zone of a region.
type Zone struct {
	ID             string   `json:"id"`
	LocalName      string   `json:"localName,omitempty"`
	DiskCategories []string `json:"diskCategories"`
}

// sizeRange is the GiB range a disk category accepts.
type sizeRange struct{ min, max int32 }

// sizeLimits hold the CreateDisk Size bounds per category; cloud_essd depends on its performance level.
var sizeLimits = map[string]sizeRange{
	CategoryCloud:      {5, 2000},
	CategoryEfficiency: {20, 32768},
	CategorySSD:        {20, 32768},
	CategoryAuto:       {1, 65536},
	CategoryESSDEntry:  {10, 32768},
}

var essdSizeLimits = map[string]sizeRange{
	"PL0": {1, 65536},
	"PL1": {20, 65536},
	"PL2": {461, 65536},
	"PL3": {1261, 65536},
}

// defaultPerformanceLevel is what ECS gives a cloud_essd disk created without one.
const defaultPerformanceLevel = "PL1"

func knownCategory(c string) bool {
	_, ok := sizeLimits[c]
	return ok || c == CategoryESSD
}

func knownCategories() []string {
	out := []string{CategoryESSD}
	for c := range sizeLimits {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// essdFamily tells the categories whose snapshots support instant access.
func essdFamily(category string) bool {
	return category == CategoryESSD || category == CategoryAuto || category == CategoryESSDEntry
}

func sizeLimit(category, performanceLevel string) sizeRange {
	if category == CategoryESSD {
		return essdSizeLimits[performanceLevel]
	}
	return sizeLimits[category]
}

// MinDiskSizeGiB is the smallest disk CreateDisk accepts for a category (and, for cloud_essd, a
// performance level); ok is false for a combination ECS does not sell.
func MinDiskSizeGiB(category, performanceLevel string) (minGiB int32, ok bool) {
	r := sizeLimit(category, performanceLevel)
	return r.min, r != (sizeRange{})
}

// DefaultRegions is the model used when Options.Regions is empty: three regions, and one zone
// (cn-beijing-i) that does not sell cloud_efficiency, so tests can see CreateDisk refuse a category.
func DefaultRegions() []Region {
	all := []string{CategoryESSD, CategoryAuto, CategoryEfficiency, CategorySSD, CategoryESSDEntry}
	noEfficiency := []string{CategoryESSD, CategoryAuto, CategorySSD, CategoryESSDEntry}
	zone := func(id, name string, cats []string) Zone {
		return Zone{ID: id, LocalName: name, DiskCategories: slices.Clone(cats)}
	}
	return []Region{
		{ID: "cn-hangzhou", LocalName: "China (Hangzhou)", Zones: []Zone{
			zone("cn-hangzhou-h", "Hangzhou Zone H", all),
			zone("cn-hangzhou-i", "Hangzhou Zone I", all),
			zone("cn-hangzhou-j", "Hangzhou Zone J", all),
		}},
		{ID: "cn-beijing", LocalName: "China (Beijing)", Zones: []Zone{
			zone("cn-beijing-h", "Beijing Zone H", all),
			zone("cn-beijing-i", "Beijing Zone I", noEfficiency),
		}},
		{ID: "cn-shanghai", LocalName: "China (Shanghai)", Zones: []Zone{
			zone("cn-shanghai-l", "Shanghai Zone L", all),
			zone("cn-shanghai-m", "Shanghai Zone M", all),
		}},
	}
}

// ValidateRegions rejects a model the emulator could not serve: empty or duplicate IDs, zones without
// categories, unknown categories.
func ValidateRegions(regions []Region) error {
	if len(regions) == 0 {
		return errors.New("ecs regions: at least one region is required")
	}
	seen := map[string]bool{}
	for _, r := range regions {
		if r.ID == "" {
			return errors.New("ecs regions: a region has no id")
		}
		if seen[r.ID] {
			return fmt.Errorf("ecs regions: id %q appears twice", r.ID)
		}
		seen[r.ID] = true
		if len(r.Zones) == 0 {
			return fmt.Errorf("ecs regions: region %s has no zones", r.ID)
		}
		for _, z := range r.Zones {
			if z.ID == "" {
				return fmt.Errorf("ecs regions: region %s has a zone without id", r.ID)
			}
			if seen[z.ID] {
				return fmt.Errorf("ecs regions: id %q appears twice", z.ID)
			}
			seen[z.ID] = true
			if len(z.DiskCategories) == 0 {
				return fmt.Errorf("ecs regions: zone %s has no disk categories", z.ID)
			}
			for _, c := range z.DiskCategories {
				if !knownCategory(c) {
					return fmt.Errorf("ecs regions: zone %s: unknown disk category %q (valid: %s)",
						z.ID, c, strings.Join(knownCategories(), ", "))
				}
			}
		}
	}
	return nil
}

// ReadRegions parses a region model given inline (a JSON array, starting with "[") or as the path of a
// file holding that array:
//
//	[{"id":"cn-hangzhou","localName":"China (Hangzhou)",
//	  "zones":[{"id":"cn-hangzhou-h","diskCategories":["cloud_essd","cloud_auto"]}]}]
func ReadRegions(spec string) ([]Region, error) {
	data := []byte(spec)
	if !strings.HasPrefix(strings.TrimSpace(spec), "[") {
		var err error
		if data, err = os.ReadFile(spec); err != nil {
			return nil, fmt.Errorf("read ecs regions file: %w", err)
		}
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var regions []Region
	if err := dec.Decode(&regions); err != nil {
		return nil, fmt.Errorf("parse ecs regions: %w", err)
	}
	if err := ValidateRegions(regions); err != nil {
		return nil, err
	}
	return regions, nil
}

// regionModel indexes the regions for lookups by ID.
type regionModel struct {
	regions []Region
	region  map[string]*Region
	zone    map[string]*Zone
	zoneOf  map[string]string // zone ID -> region ID
}

func newRegionModel(regions []Region) *regionModel {
	m := &regionModel{regions: regions, region: map[string]*Region{}, zone: map[string]*Zone{}, zoneOf: map[string]string{}}
	for i := range regions {
		r := &regions[i]
		m.region[r.ID] = r
		for j := range r.Zones {
			m.zone[r.Zones[j].ID] = &r.Zones[j]
			m.zoneOf[r.Zones[j].ID] = r.ID
		}
	}
	return m
}

func (z *Zone) sells(category string) bool { return slices.Contains(z.DiskCategories, category) }
