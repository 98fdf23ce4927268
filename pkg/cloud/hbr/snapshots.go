package hbr

import (
	"context"
	"errors"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// snapshotPage is how many snapshots one SearchHistoricalSnapshots asks for: at most 99.
const snapshotPage = 99

// JobSnapshots pages the vault's snapshots: only a snapshot's JobId links it to its job, and no query
// field selects by it.
func (c *client) JobSnapshots(ctx context.Context, region, vaultID, jobID string) ([]*Snapshot, error) {
	query := []any{map[string]any{"field": "VaultId", "value": vaultID, "operation": "MATCH_TERM"}}
	var snaps []*Snapshot
	next := ""
	for {
		req := &hbrsdk.SearchHistoricalSnapshotsRequest{SourceType: tea.String(SourceContainer), Query: query,
			Limit: tea.Int32(snapshotPage), NextToken: optString(next)}
		out, err := call(ctx, c, "SearchHistoricalSnapshots", region, vaultID, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.SearchHistoricalSnapshotsResponse, error) {
			return sdk.SearchHistoricalSnapshotsWithOptions(req, rt)
		})
		if err != nil {
			return nil, err
		}
		if out.Body.Snapshots == nil && tea.Int32Value(out.Body.TotalCount) > 0 {
			return nil, incomplete("SearchHistoricalSnapshots", vaultID, tea.StringValue(out.Body.RequestId), "snapshot list")
		}
		if out.Body.Snapshots != nil {
			for _, s := range out.Body.Snapshots.Snapshot {
				if tea.StringValue(s.JobId) == jobID {
					snaps = append(snaps, snapshotFrom(s))
				}
			}
		}
		if next = tea.StringValue(out.Body.NextToken); next == "" {
			return snaps, nil
		}
	}
}

func snapshotFrom(s *hbrsdk.SearchHistoricalSnapshotsResponseBodySnapshotsSnapshot) *Snapshot {
	return &Snapshot{ID: tea.StringValue(s.SnapshotId), Hash: tea.StringValue(s.SnapshotHash),
		ParentHash: tea.StringValue(s.ParentSnapshotHash), JobID: tea.StringValue(s.JobId), VaultID: tea.StringValue(s.VaultId),
		Status: Status(tea.StringValue(s.Status)), BytesTotal: tea.Int64Value(s.BytesTotal), ActualBytes: tea.Int64Value(s.ActualBytes),
		Created: unixTime(s.CreatedTime), Expires: unixTime(s.ExpireTime), RetentionDays: tea.Int64Value(s.Retention)}
}

// DeleteSnapshot forces the deletion: HBR keeps the newest snapshot of a volume otherwise, and a
// backup's snapshot goes with the backup.
func (c *client) DeleteSnapshot(ctx context.Context, region, vaultID, snapshotID string) error {
	_, err := call(ctx, c, "DeleteSnapshot", region, snapshotID, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.DeleteSnapshotResponse, error) {
		return sdk.DeleteSnapshotWithOptions(&hbrsdk.DeleteSnapshotRequest{SnapshotId: tea.String(snapshotID),
			VaultId: tea.String(vaultID), SourceType: tea.String(SourceContainer), Force: tea.Bool(true)}, rt)
	})
	if errors.Is(err, cloud.ErrNotFound) {
		return nil // gone already, expired, or deleted by an attempt whose answer was lost
	}
	return err
}
