package volumesnapshotter

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// snapshotRef is where a snapshot lives. Velero stores the ID the plugin returns and hands it back
// for restore and deletion, possibly to a cluster in another region, so the ID carries the region:
// "cn-hangzhou/s-bp1...". IDs written by the existing open-source plugin are bare ("s-bp1...") and
// belong to the region of the location that reads them.
type snapshotRef struct {
	Region, ID string
}

func (r snapshotRef) String() string { return r.Region + "/" + r.ID }

var snapshotIDPattern = regexp.MustCompile(`^s-[A-Za-z0-9]+$`)

// parseSnapshotRef reads an ID this plugin or the existing plugin wrote; bare IDs get defaultRegion.
func parseSnapshotRef(id, defaultRegion string) (snapshotRef, error) {
	region, snap, qualified := strings.Cut(id, "/")
	if !qualified {
		region, snap = defaultRegion, id
	}
	if !snapshotIDPattern.MatchString(snap) || !alibaba.ValidRegion(region) {
		return snapshotRef{}, fmt.Errorf("snapshot ID %q: want REGION/s-ID, like cn-hangzhou/s-bp1example, or a bare s-ID", id)
	}
	return snapshotRef{Region: region, ID: snap}, nil
}
