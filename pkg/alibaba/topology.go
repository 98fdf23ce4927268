package alibaba

import (
	"regexp"
	"strings"
)

// Kubernetes' well-known zone and region labels, as k8s.io/api/core/v1 names them (a test holds them to
// it). Spelled out so that this package, and the config parsers that need only region IDs, do not compile
// the Kubernetes API types.
const (
	labelTopologyZone            = "topology.kubernetes.io/zone"
	labelTopologyRegion          = "topology.kubernetes.io/region"
	labelFailureDomainBetaZone   = "failure-domain.beta.kubernetes.io/zone"
	labelFailureDomainBetaRegion = "failure-domain.beta.kubernetes.io/region"
)

// Topology keys ACK's disk CSI driver puts on nodes and on the PVs it provisions. Velero does not know
// them, so for most ACK PVs the volumeAZ Velero passes a snapshotter is empty.
const (
	DiskZoneKey   = "topology.diskplugin.csi.alibabacloud.com/zone"
	DiskRegionKey = "topology.diskplugin.csi.alibabacloud.com/region"
)

// Label and node-affinity keys that say which zone or region a volume is in, most specific first.
var (
	VolumeZoneKeys   = []string{DiskZoneKey, labelTopologyZone, labelFailureDomainBetaZone}
	VolumeRegionKeys = []string{DiskRegionKey, labelTopologyRegion, labelFailureDomainBetaRegion}
)

// NodeZoneLabels are where a node's zone is found, newest first.
var NodeZoneLabels = []string{labelTopologyZone, labelFailureDomainBetaZone}

// DefaultRegion is where the existing open-source plugin put a backup vault whose location named no
// region and whose node could not say: its locations may rely on it.
const DefaultRegion = "cn-hangzhou"

// RegionPattern is the shape of region IDs: cn-hangzhou, ap-southeast-1, us-west-1, cn-north-2-gov-1.
// The CRDs of pkg/apis validate regions with it too (a test there holds them to it).
const RegionPattern = `^[a-z]{2,}(-[a-z0-9]+)+$`

// MaxRegionLength bounds a region ID.
const MaxRegionLength = 64

var regionPattern = regexp.MustCompile(RegionPattern)

// ValidRegion reports whether s is shaped like a region ID. It becomes part of host names, so nothing
// else may pass.
func ValidRegion(s string) bool { return len(s) <= MaxRegionLength && regionPattern.MatchString(s) }

// ZoneInRegion tells by name whether zone is a zone of region, which is all that can be known without
// asking ECS: cn-hangzhou-h is in cn-hangzhou, ap-southeast-1a in ap-southeast-1.
func ZoneInRegion(zone, region string) bool {
	suffix, ok := strings.CutPrefix(zone, region)
	if !ok || suffix == "" || !ValidRegion(zone) {
		return false
	}
	if suffix[0] == '-' {
		return true
	}
	// No dash: only a single letter after a region that ends in a digit (ap-southeast-1a), so that
	// cn-hangzhoux or ap-southeast-10a are not taken for zones of cn-hangzhou or ap-southeast-1.
	last := region[len(region)-1]
	return len(suffix) == 1 && suffix[0] >= 'a' && suffix[0] <= 'z' && last >= '0' && last <= '9'
}
