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
	var snaps []*Snapshot
	err := c.searchSnapshots(ctx, region, vaultID, nil, func(s *Snapshot) bool {
		if s.JobID == jobID {
			snaps = append(snaps, s)
		}
		return true
	})
	return snaps, err
}

// Snapshot narrows the search to the snapshot's ID, which HBR's search accepts as a field though
// v2.0.1's documentation lists only VaultId, InstanceId, Bucket, FileSystemId, CreateTime and
// CompleteTime. The answer is checked here, not trusted: a server that ignored the condition would
// list the whole vault, and the pages are then read until the snapshot turns up, still a right answer.
func (c *client) Snapshot(ctx context.Context, region, vaultID, snapshotID string) (*Snapshot, error) {
	var found *Snapshot
	byID := map[string]any{"field": "SnapshotId", "value": snapshotID, "operation": "MATCH_TERM"}
	err := c.searchSnapshots(ctx, region, vaultID, []any{byID}, func(s *Snapshot) bool {
		if s.ID == snapshotID {
			found = s
		}
		return found == nil
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, notFound("SearchHistoricalSnapshots", snapshotID, "", "snapshot "+snapshotID+" is not in vault "+vaultID)
	}
	return found, nil
}

// searchSnapshots pages the snapshots of a vault that match the conditions, handing each to next
// until it returns false.
func (c *client) searchSnapshots(ctx context.Context, region, vaultID string, conditions []any, next func(*Snapshot) bool) error {
	query := append([]any{map[string]any{"field": "VaultId", "value": vaultID, "operation": "MATCH_TERM"}}, conditions...)
	token := ""
	for {
		req := &hbrsdk.SearchHistoricalSnapshotsRequest{SourceType: tea.String(SourceContainer), Query: query,
			Limit: tea.Int32(snapshotPage), NextToken: optString(token)}
		out, err := call(ctx, c, "SearchHistoricalSnapshots", region, vaultID, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.SearchHistoricalSnapshotsResponse, error) {
			return sdk.SearchHistoricalSnapshotsWithOptions(req, rt)
		})
		if err != nil {
			return err
		}
		if out.Body.Snapshots == nil && tea.Int32Value(out.Body.TotalCount) > 0 {
			return incomplete("SearchHistoricalSnapshots", vaultID, tea.StringValue(out.Body.RequestId), "snapshot list")
		}
		if out.Body.Snapshots != nil {
			for _, s := range out.Body.Snapshots.Snapshot {
				if !next(snapshotFrom(s)) {
					return nil
				}
			}
		}
		if token = tea.StringValue(out.Body.NextToken); token == "" {
			return nil
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
