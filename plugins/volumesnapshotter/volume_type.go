package volumesnapshotter

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// diskSpec is what a restore must reproduce of a disk: Velero keeps it with the backup through
// GetVolumeInfo's volume type and IOPS, and the snapshot keeps it in a tag, so a restore has it even
// from a volume type the existing plugin wrote (a bare category).
type diskSpec struct {
	Category         string
	PerformanceLevel string // cloud_essd only
	ProvisionedIOPS  int64  // cloud_auto only
	Bursting         bool   // cloud_auto only
	Zone             string
	SizeGiB          int
}

func specOf(d *ecs.Disk) diskSpec {
	return diskSpec{Category: d.Category, PerformanceLevel: d.PerformanceLevel, ProvisionedIOPS: d.ProvisionedIOPS,
		Bursting: d.BurstingEnabled, Zone: d.Zone, SizeGiB: d.SizeGiB}
}

// volumeType is GetVolumeInfo's answer: the category and, exactly, the performance level
// ("cloud_essd/PL1"); "/bursting" marks an ESSD AutoPL disk with bursting on. Velero stores it as an
// opaque string and hands it back to CreateVolumeFromSnapshot.
func (s diskSpec) volumeType() string {
	parts := []string{s.Category}
	if s.PerformanceLevel != "" {
		parts = append(parts, s.PerformanceLevel)
	}
	if s.Bursting {
		parts = append(parts, "bursting")
	}
	return strings.Join(parts, "/")
}

// applyVolumeType overlays what a volume type says on s.
func (s *diskSpec) applyVolumeType(volumeType string) error {
	if volumeType == "" {
		return nil
	}
	parts := strings.Split(volumeType, "/")
	if parts[0] == "" {
		return fmt.Errorf("volume type %q has no disk category", volumeType)
	}
	s.Category = parts[0]
	for _, p := range parts[1:] {
		switch {
		case len(p) == 3 && strings.HasPrefix(p, "PL"):
			s.PerformanceLevel = p
		case p == "bursting":
			s.Bursting = true
		default:
			return fmt.Errorf("volume type %q: unknown part %q", volumeType, p)
		}
	}
	return nil
}

// specTagKey is the snapshot tag that keeps the source disk's spec.
const specTagKey = "csdr.io/disk-spec"

// tag encodes s for specTagKey: "zone=cn-hangzhou-h,category=cloud_essd,pl=PL1,sizeGiB=40".
func (s diskSpec) tag() string {
	fields := []string{"zone=" + s.Zone, "category=" + s.Category}
	if s.PerformanceLevel != "" {
		fields = append(fields, "pl="+s.PerformanceLevel)
	}
	if s.ProvisionedIOPS > 0 {
		fields = append(fields, "iops="+strconv.FormatInt(s.ProvisionedIOPS, 10))
	}
	if s.Bursting {
		fields = append(fields, "bursting=true")
	}
	return strings.Join(append(fields, "sizeGiB="+strconv.Itoa(s.SizeGiB)), ",")
}

// parseSpecTag reads tag(); unknown fields are ignored so a newer plugin's tags still restore.
func parseSpecTag(v string) diskSpec {
	var s diskSpec
	for _, f := range strings.Split(v, ",") {
		key, val, _ := strings.Cut(f, "=")
		switch key {
		case "zone":
			s.Zone = val
		case "category":
			s.Category = val
		case "pl":
			s.PerformanceLevel = val
		case "iops":
			s.ProvisionedIOPS, _ = strconv.ParseInt(val, 10, 64)
		case "bursting":
			s.Bursting = val == "true"
		case "sizeGiB":
			s.SizeGiB, _ = strconv.Atoi(val)
		}
	}
	return s
}
