package emulator_test

import (
	"strconv"
	"testing"
	"time"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
)

func filterOf(key, op string, values ...string) *hbrsdk.DescribeBackupJobs2RequestFilters {
	return &hbrsdk.DescribeBackupJobs2RequestFilters{Key: tea.String(key), Operator: tea.String(op), Values: tea.StringSlice(values)}
}

func TestHBRDescribeBackupJobsFiltersAndPages(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	var ids []string
	for i := range 5 {
		ids = append(ids, tea.StringValue(w.waitBackup(t, w.backup(t, "b"+strconv.Itoa(i))).JobId))
	}
	failed := tea.StringValue(w.waitBackup(t, w.backupOf(t, "bad", resources("nowhere"))).JobId)
	other := createVault(t, w.c, "other")
	created := tea.Int64Value(w.backupJob(t, ids[0]).CreatedTime)

	list := func(req *hbrsdk.DescribeBackupJobs2Request) *hbrsdk.DescribeBackupJobs2ResponseBody {
		res, err := w.c.DescribeBackupJobs2(req)
		require.NoError(t, err)
		requireSuccess(t, res.Body.Success, res.Body.Code, res.Body.Message)
		return res.Body
	}
	jobIDs := func(b *hbrsdk.DescribeBackupJobs2ResponseBody) []string {
		var out []string
		for _, j := range b.BackupJobs.BackupJob {
			out = append(out, tea.StringValue(j.JobId))
		}
		return out
	}
	tests := []struct {
		name    string
		filters []*hbrsdk.DescribeBackupJobs2RequestFilters
		want    int
	}{
		{"vault", []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("VaultId", "EQUAL", w.vaultID)}, 6},
		{"other vault", []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("VaultId", "EQUAL", other)}, 0},
		{"status IN", []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("Status", "IN", "FAILED", "CANCELED")}, 1},
		{"status NOT_EQUAL", []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("Status", "NOT_EQUAL", "FAILED")}, 5},
		{"created since", []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("CreatedTime", "GREATER_THAN_OR_EQUAL", strconv.FormatInt(created, 10))}, 6},
		{"created before", []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("CreatedTime", "LESS_THAN", strconv.FormatInt(created, 10))}, 0},
		{"completed between", []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("CompleteTime", "BETWEEN",
			strconv.FormatInt(created, 10), strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10))}, 6},
		{"job IDs, default operator IN", []*hbrsdk.DescribeBackupJobs2RequestFilters{{Key: tea.String("JobId"), Values: tea.StringSlice([]string{ids[1], failed})}}, 2},
		{"two filters", []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("VaultId", "EQUAL", w.vaultID), filterOf("Status", "EQUAL", "COMPLETE")}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := list(&hbrsdk.DescribeBackupJobs2Request{SourceType: tea.String("CONTAINER"), Filters: tt.filters, PageSize: tea.Int32(99)})
			assert.EqualValues(t, tt.want, tea.Int64Value(b.TotalCount))
			assert.Len(t, b.BackupJobs.BackupJob, tt.want)
		})
	}

	var paged []string
	for page := int32(1); page <= 3; page++ {
		b := list(&hbrsdk.DescribeBackupJobs2Request{Filters: []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("VaultId", "EQUAL", w.vaultID)},
			PageNumber: tea.Int32(page), PageSize: tea.Int32(2), SortDirection: tea.String("ASCEND")})
		assert.EqualValues(t, 6, tea.Int64Value(b.TotalCount))
		assert.EqualValues(t, page, tea.Int32Value(b.PageNumber))
		paged = append(paged, jobIDs(b)...)
	}
	assert.ElementsMatch(t, append(append([]string{}, ids...), failed), paged, "pages cover every job once")
	desc := jobIDs(list(&hbrsdk.DescribeBackupJobs2Request{PageSize: tea.Int32(99)}))
	require.Len(t, desc, 6)
	for i := range desc {
		assert.Equal(t, paged[len(paged)-1-i], desc[i], "the default order is newest first")
	}

	for _, bad := range []*hbrsdk.DescribeBackupJobs2Request{
		{Filters: []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("JobName", "EQUAL", "b1")}},
		{Filters: []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("Status", "LIKE", "C")}},
		{Filters: []*hbrsdk.DescribeBackupJobs2RequestFilters{filterOf("CreatedTime", "BETWEEN", "1")}},
		{PageSize: tea.Int32(100)},
	} {
		_, err := w.c.DescribeBackupJobs2(bad)
		requireCode(t, err, 400, "InvalidParameter")
	}
}

func TestHBRSnapshotsSearchExpiryAndDelete(t *testing.T) {
	w := newHBRWorld(t)
	writeTree(t, w.volume)
	var jobs []string
	for i := range 3 {
		jobs = append(jobs, tea.StringValue(w.waitBackup(t, w.backup(t, "b"+strconv.Itoa(i))).JobId))
	}
	byVault := []any{map[string]any{"field": "VaultId", "value": w.vaultID, "operation": "MATCH_TERM"}}
	count := w.search(t, byVault, 0, "")
	assert.EqualValues(t, 3, tea.Int32Value(count.TotalCount), "Limit 0 counts")
	assert.Empty(t, count.Snapshots.Snapshot)

	assert.Len(t, w.search(t, byVault, 100, "").Snapshots.Snapshot, 3, "a page holds up to 100")
	first := w.search(t, byVault, 2, "")
	require.Len(t, first.Snapshots.Snapshot, 2)
	require.NotEmpty(t, tea.StringValue(first.NextToken))
	rest := w.search(t, byVault, 2, tea.StringValue(first.NextToken))
	require.Len(t, rest.Snapshots.Snapshot, 1)
	assert.Empty(t, tea.StringValue(rest.NextToken))

	snap := w.snapshotOf(t, jobs[0])
	assert.EqualValues(t, 7, tea.Int64Value(snap.Retention))
	assert.Equal(t, tea.Int64Value(snap.CreatedTime)+7*24*3600, tea.Int64Value(snap.ExpireTime))
	assert.Equal(t, "COMPLETE", tea.StringValue(snap.Status))
	assert.Regexp(t, `^s-`, tea.StringValue(snap.SnapshotId))
	since := append(byVault, map[string]any{"field": "CompleteTime", "value": tea.Int64Value(snap.CompleteTime) + 3600, "operation": "GREATER_THAN_OR_EQUAL"})
	assert.EqualValues(t, 0, tea.Int32Value(w.search(t, since, 10, "").TotalCount))
	in := append(byVault, map[string]any{"field": "JobId", "value": []string{jobs[0], jobs[2]}, "operation": "IN"})
	assert.EqualValues(t, 2, tea.Int32Value(w.search(t, in, 10, "").TotalCount))
	notIn := append(byVault, map[string]any{"field": "JobId", "value": []string{jobs[0], jobs[2]}, "operation": "NOT_IN"})
	assert.EqualValues(t, 1, tea.Int32Value(w.search(t, notIn, 10, "").TotalCount))
	byID := append(byVault, map[string]any{"field": "SnapshotId", "value": tea.StringValue(snap.SnapshotId), "operation": "MATCH_TERM"})
	one := w.search(t, byID, 10, "")
	require.Len(t, one.Snapshots.Snapshot, 1, "csdr-controller looks a snapshot up by its ID")
	assert.Equal(t, tea.StringValue(snap.SnapshotId), tea.StringValue(one.Snapshots.Snapshot[0].SnapshotId))

	del := func(id string, force bool) *hbrsdk.DeleteSnapshotResponseBody {
		res, err := w.c.DeleteSnapshot(&hbrsdk.DeleteSnapshotRequest{SnapshotId: tea.String(id), VaultId: tea.String(w.vaultID),
			SourceType: tea.String("CONTAINER"), Force: tea.Bool(force)})
		require.NoError(t, err)
		return res.Body
	}
	newest := tea.StringValue(w.snapshotOf(t, jobs[2]).SnapshotId)
	refused := del(newest, false)
	assert.False(t, tea.BoolValue(refused.Success))
	assert.Equal(t, hbr.CodeSnapshotLatest, tea.StringValue(refused.Code))
	ok := del(tea.StringValue(snap.SnapshotId), false)
	requireSuccess(t, ok.Success, ok.Code, ok.Message)
	ok = del(newest, true)
	requireSuccess(t, ok.Success, ok.Code, ok.Message)
	assert.Equal(t, hbr.CodeSnapshotNotExist, tea.StringValue(del(newest, true).Code))
	assert.EqualValues(t, 1, tea.Int32Value(w.search(t, byVault, 0, "").TotalCount))

	_, err := w.srv.HBR().AdvanceClock(6 * 24 * time.Hour)
	require.NoError(t, err)
	assert.EqualValues(t, 1, tea.Int32Value(w.search(t, byVault, 0, "").TotalCount), "retention has a day left")
	_, err = w.srv.HBR().AdvanceClock(24 * time.Hour)
	require.NoError(t, err)
	assert.EqualValues(t, 0, tea.Int32Value(w.search(t, byVault, 0, "").TotalCount), "7 days of retention are over")
	assert.Zero(t, w.srv.HBR().State().Store.BytesStored, "blobs no snapshot holds are gone")

	_, err = w.c.SearchHistoricalSnapshots(&hbrsdk.SearchHistoricalSnapshotsRequest{SourceType: tea.String("CONTAINER"),
		Query: []any{map[string]any{"field": "JobId", "value": "x", "operation": "MATCH_TERM"}}})
	requireCode(t, err, 400, "InvalidParameter") // VaultId is required
}
