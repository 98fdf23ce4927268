package hbr

import "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"

// action is one HBR API operation.
type action struct {
	idParam string // the parameter naming the resource the request addresses, for faults and logs
	run     func(s *Service, c *call) (any, *rpc.Error)
}

var actions = map[string]action{
	"CreateVault":               {run: (*Service).createVault},
	"DescribeVaults":            {run: (*Service).describeVaults},
	"AddContainerCluster":       {run: (*Service).addContainerCluster},
	"DescribeContainerCluster":  {idParam: "ClusterId", run: (*Service).describeContainerCluster},
	"CreateBackupJob":           {idParam: "ContainerClusterId", run: (*Service).createBackupJob},
	"DescribeBackupJobs2":       {run: (*Service).describeBackupJobs},
	"CancelBackupJob":           {idParam: "JobId", run: (*Service).cancelBackupJob},
	"SearchHistoricalSnapshots": {run: (*Service).searchSnapshots},
	"DeleteSnapshot":            {idParam: "SnapshotId", run: (*Service).deleteSnapshot},
	"CreateRestoreJob":          {idParam: "SnapshotId", run: (*Service).createRestoreJob},
	"DescribeRestoreJobs2":      {run: (*Service).describeRestoreJobs},
	"CancelRestoreJob":          {idParam: "RestoreId", run: (*Service).cancelRestoreJob},
}

// pager pages HBR Describe answers: 10 items by default, at most 99 (DescribeBackupJobs2's limit);
// snapshotPager pages SearchHistoricalSnapshots by Limit and NextToken, at most 100 a page.
var (
	pager         = rpc.Pager{TokenPrefix: "hbr-emulator-offset:", DefaultSize: 10, MaxSize: 99}
	snapshotPager = rpc.Pager{TokenPrefix: "hbr-emulator-offset:", DefaultSize: 10, MaxSize: 100, SizeParam: "Limit"}
)

// pageOf selects a page with PageNumber/PageSize.
func pageOf(p rpc.Params, n int) (start, end int, num, size int32, e *rpc.Error) {
	pp := rpc.Params{V: map[string][]string{}}
	for _, k := range []string{"PageNumber", "PageSize"} {
		if p.Has(k) {
			pp.V[k] = p.V[k]
		}
	}
	start, end, info, e := pager.Paginate(pp, n, false)
	if e != nil {
		return 0, 0, 0, 0, e
	}
	return start, end, *info.PageNumber, *info.PageSize, nil
}
