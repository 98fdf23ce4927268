package hbr

import (
	"context"
	"encoding/json"
	"fmt"
	"path"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/sirupsen/logrus"
)

// targetContainer is CreateRestoreJob's TargetContainer, in the form ACK sends: a node name and an
// absolute node path.
type targetContainer struct {
	Host       string `json:"host"`
	HostPrefix string `json:"hostPrefix"`
	PVPath     string `json:"pvPath"`
}

// CreateRestoreJob looks for the restore an earlier attempt made (same vault, snapshot and target,
// created since spec.Since) before it creates one.
func (c *client) CreateRestoreJob(ctx context.Context, spec RestoreJobSpec) (string, error) {
	switch {
	case spec.Region == "" || spec.VaultID == "" || spec.SnapshotID == "" || spec.TargetContainerClusterID == "" || spec.TargetNode == "":
		return "", fmt.Errorf("hbr restore of snapshot %q: region, vault, snapshot, target cluster and node are required", spec.SnapshotID)
	case spec.Since.IsZero():
		return "", fmt.Errorf("hbr restore of snapshot %s: no creating-since time, without which a retry could make a second job", spec.SnapshotID)
	case !path.IsAbs(spec.TargetPath) || path.Clean(spec.TargetPath) != spec.TargetPath:
		return "", fmt.Errorf("hbr restore of snapshot %s: target path %q is not a clean absolute path", spec.SnapshotID, spec.TargetPath)
	}
	target, err := json.Marshal(targetContainer{Host: spec.TargetNode, HostPrefix: spec.TargetPath, PVPath: "/"})
	if err != nil {
		return "", err
	}
	req := &hbrsdk.CreateRestoreJobRequest{RestoreType: tea.String(SourceContainer), SourceType: tea.String(SourceContainer),
		VaultId: tea.String(spec.VaultID), SnapshotId: tea.String(spec.SnapshotID), InitiatedByAck: tea.Bool(true),
		TargetContainerClusterId: tea.String(spec.TargetContainerClusterID), TargetContainer: tea.String(string(target))}
	fields := logrus.Fields{"region": spec.Region, "vault": spec.VaultID, "snapshot": spec.SnapshotID, "node": spec.TargetNode}
	return ensure(ctx, c, "CreateRestoreJob", fields,
		func() (string, error) {
			job, err := c.FindRestoreJob(ctx, spec)
			if err != nil {
				return "", err
			}
			return job.ID, nil
		},
		func() (string, error) {
			out, err := once(ctx, c, "CreateRestoreJob", spec.Region, spec.SnapshotID, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.CreateRestoreJobResponse, error) {
				return sdk.CreateRestoreJobWithOptions(req, rt)
			})
			if err != nil {
				return "", err
			}
			if tea.StringValue(out.Body.RestoreId) == "" {
				return "", incomplete("CreateRestoreJob", spec.SnapshotID, tea.StringValue(out.Body.RequestId), "restore ID")
			}
			return tea.StringValue(out.Body.RestoreId), nil
		})
}

func (c *client) DescribeRestoreJob(ctx context.Context, region, vaultID, restoreID string) (*RestoreJob, error) {
	var found *RestoreJob
	filters := []filter{{"VaultId", "EQUAL", vaultID}, {"JobId", "EQUAL", restoreID}}
	reqID, err := c.restoreJobs(ctx, region, restoreID, filters, func(j *RestoreJob) bool {
		if j.ID == restoreID {
			found = j
		}
		return found != nil
	})
	if err != nil || found != nil {
		return found, err
	}
	return nil, notFound("DescribeRestoreJobs2", restoreID, reqID, "restore job "+restoreID+" does not exist in vault "+vaultID)
}

// FindRestoreJob pages the vault's restores: DescribeRestoreJobs2 filters neither by snapshot nor by
// creation time. The earliest restore of the snapshot into the target cluster and path since spec.Since
// is the one; a path is compared only where HBR answers one (v2.0.1 documents no container target), so
// two restores of one snapshot into one cluster within the clock skew are told apart by it alone.
func (c *client) FindRestoreJob(ctx context.Context, spec RestoreJobSpec) (*RestoreJob, error) {
	since := spec.Since.Add(-clockSkew)
	var found *RestoreJob
	reqID, err := c.restoreJobs(ctx, spec.Region, spec.SnapshotID, []filter{{"VaultId", "EQUAL", spec.VaultID}}, func(j *RestoreJob) bool {
		if j.SnapshotID == spec.SnapshotID && !j.Created.Before(since) &&
			(j.ContainerClusterID == "" || j.ContainerClusterID == spec.TargetContainerClusterID) &&
			(j.TargetPath == "" || j.TargetPath == spec.TargetPath) &&
			(found == nil || j.Created.Before(found.Created)) {
			found = j
		}
		return false
	})
	if err != nil || found != nil {
		return found, err
	}
	return nil, notFound("DescribeRestoreJobs2", spec.SnapshotID, reqID, "no restore of snapshot "+spec.SnapshotID+" into cluster "+spec.TargetContainerClusterID)
}

func (c *client) CancelRestoreJob(ctx context.Context, region, vaultID, restoreID string) error {
	_, err := call(ctx, c, "CancelRestoreJob", region, restoreID, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.CancelRestoreJobResponse, error) {
		return sdk.CancelRestoreJobWithOptions(&hbrsdk.CancelRestoreJobRequest{RestoreId: tea.String(restoreID), VaultId: tea.String(vaultID)}, rt)
	})
	return err
}

// restoreJobs pages DescribeRestoreJobs2 until visit says stop, and returns the last request ID.
func (c *client) restoreJobs(ctx context.Context, region, resource string, filters []filter, visit func(*RestoreJob) bool) (string, error) {
	var reqFilters []*hbrsdk.DescribeRestoreJobs2RequestFilters
	for _, f := range filters {
		reqFilters = append(reqFilters, &hbrsdk.DescribeRestoreJobs2RequestFilters{Key: tea.String(f.key),
			Operator: tea.String(f.operator), Values: []*string{tea.String(f.value)}})
	}
	var reqID string
	for page := int32(1); ; page++ {
		req := &hbrsdk.DescribeRestoreJobs2Request{RestoreType: tea.String(SourceContainer), Filters: reqFilters,
			PageNumber: tea.Int32(page), PageSize: tea.Int32(pageSize)}
		out, err := call(ctx, c, "DescribeRestoreJobs2", region, resource, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.DescribeRestoreJobs2Response, error) {
			return sdk.DescribeRestoreJobs2WithOptions(req, rt)
		})
		if err != nil {
			return "", err
		}
		reqID = tea.StringValue(out.Body.RequestId)
		if out.Body.RestoreJobs == nil && tea.Int32Value(out.Body.TotalCount) > 0 {
			return "", incomplete("DescribeRestoreJobs2", resource, reqID, "restore list")
		}
		var jobs []*hbrsdk.DescribeRestoreJobs2ResponseBodyRestoreJobsRestoreJob
		if out.Body.RestoreJobs != nil {
			jobs = out.Body.RestoreJobs.RestoreJob
		}
		for _, j := range jobs {
			if visit(restoreJobFrom(j)) {
				return reqID, nil
			}
		}
		if len(jobs) < pageSize || int64(page)*pageSize >= int64(tea.Int32Value(out.Body.TotalCount)) {
			return reqID, nil
		}
	}
}

func restoreJobFrom(j *hbrsdk.DescribeRestoreJobs2ResponseBodyRestoreJobsRestoreJob) *RestoreJob {
	return &RestoreJob{SnapshotID: tea.StringValue(j.SnapshotId), ContainerClusterID: tea.StringValue(j.ClusterId),
		TargetPath: tea.StringValue(j.TargetPath), Job: Job{
			ID: tea.StringValue(j.RestoreId), VaultID: tea.StringValue(j.VaultId), Status: Status(tea.StringValue(j.Status)),
			Progress: Progress(tea.Int32Value(j.Progress)), BytesTotal: tea.Int64Value(j.BytesTotal), BytesDone: tea.Int64Value(j.BytesDone),
			ErrorMessage: tea.StringValue(j.ErrorMessage), Created: unixTime(j.CreatedTime), Started: unixTime(j.StartTime),
			Complete: unixTime(j.CompleteTime)}}
}
