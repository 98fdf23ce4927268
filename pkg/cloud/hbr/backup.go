package hbr

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"time"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/sirupsen/logrus"
)

// SourceContainer is the source (and restore) type of Kubernetes volumes.
const SourceContainer = "CONTAINER"

// CreateBackupJob looks for the job an earlier attempt made (same vault and name, created since
// spec.Since) before it creates one.
func (c *client) CreateBackupJob(ctx context.Context, spec BackupJobSpec) (string, error) {
	resources, err := containerResources(spec)
	if err != nil {
		return "", err
	}
	req := &hbrsdk.CreateBackupJobRequest{SourceType: tea.String(SourceContainer), VaultId: tea.String(spec.VaultID),
		ContainerClusterId: tea.String(spec.ContainerClusterID), ContainerResources: tea.String(resources),
		JobName: tea.String(spec.Name), InitiatedByAck: tea.Bool(true)}
	if spec.RetentionDays > 0 {
		req.Retention = tea.Int64(spec.RetentionDays)
	}
	fields := logrus.Fields{"region": spec.Region, "vault": spec.VaultID, "job": spec.Name}
	return ensure(ctx, c, "CreateBackupJob", fields,
		func() (string, error) {
			job, err := c.FindBackupJob(ctx, spec.Region, spec.VaultID, spec.Name, spec.Since)
			if err != nil {
				return "", err
			}
			return job.ID, nil
		},
		func() (string, error) {
			out, err := once(ctx, c, "CreateBackupJob", spec.Region, spec.Name, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.CreateBackupJobResponse, error) {
				return sdk.CreateBackupJobWithOptions(req, rt)
			})
			if err != nil {
				return "", err
			}
			if tea.StringValue(out.Body.JobId) == "" {
				return "", incomplete("CreateBackupJob", spec.Name, tea.StringValue(out.Body.RequestId), "job ID")
			}
			return tea.StringValue(out.Body.JobId), nil
		})
}

// containerResource is one element of CreateBackupJob's ContainerResources, in the form ACK sends.
type containerResource struct {
	ResourceType string `json:"resourceType"`
	BackupMethod string `json:"backupMethod"`
	ResourceID   string `json:"resourceId"`
	ResourceInfo string `json:"resourceInfo"` // JSON of resourceInfo, as a string
	Host         string `json:"host"`         // <region>.<node IP>
	HostPrefix   string `json:"hostPrefix"`   // the volume's path on the node
	PVPath       string `json:"pvPath"`       // what of the volume to back up: all of it
}

type resourceInfo struct {
	PVName       string `json:"pv_name"`
	PVSize       string `json:"pv_size"`
	StorageClass string `json:"storage_class"`
	PVCName      string `json:"pvc_name"`
	Namespace    string `json:"namespace"`
}

func containerResources(spec BackupJobSpec) (string, error) {
	v := spec.Volume
	switch {
	case spec.Region == "" || spec.VaultID == "" || spec.ContainerClusterID == "" || spec.Name == "":
		return "", fmt.Errorf("hbr backup job %q: region, vault, container cluster and name are required", spec.Name)
	case spec.Since.IsZero():
		return "", fmt.Errorf("hbr backup job %s: no creating-since time, without which a retry could make a second job", spec.Name)
	case v.PVName == "" || v.PVUID == "" || v.NodeIP == "":
		return "", fmt.Errorf("hbr backup job %s: volume PV name, PV UID and node IP are required", spec.Name)
	case !path.IsAbs(v.NodePath) || path.Clean(v.NodePath) != v.NodePath:
		return "", fmt.Errorf("hbr backup job %s: node path %q is not a clean absolute path", spec.Name, v.NodePath)
	}
	info, err := json.Marshal(resourceInfo{PVName: v.PVName, PVSize: v.Size, StorageClass: v.StorageClass, PVCName: v.PVCName, Namespace: v.Namespace})
	if err != nil {
		return "", err
	}
	out, err := json.Marshal([]containerResource{{ResourceType: "PV", BackupMethod: "FILE", ResourceID: v.PVUID,
		ResourceInfo: string(info), Host: spec.Region + "." + v.NodeIP, HostPrefix: v.NodePath, PVPath: "/"}})
	return string(out), err
}

func (c *client) DescribeBackupJob(ctx context.Context, region, jobID string) (*BackupJob, error) {
	var found *BackupJob
	reqID, err := c.backupJobs(ctx, region, jobID, []filter{{"JobId", "EQUAL", jobID}}, func(j *BackupJob) bool {
		if j.ID == jobID {
			found = j
		}
		return found != nil
	})
	if err != nil || found != nil {
		return found, err
	}
	return nil, notFound("DescribeBackupJobs2", jobID, reqID, "backup job "+jobID+" does not exist in region "+region)
}

// FindBackupJob returns the earliest job of that name: there is one unless a caller ignored this
// package's creations.
func (c *client) FindBackupJob(ctx context.Context, region, vaultID, name string, since time.Time) (*BackupJob, error) {
	filters := []filter{{"VaultId", "EQUAL", vaultID},
		{"CreatedTime", "GREATER_THAN_OR_EQUAL", strconv.FormatInt(since.Add(-clockSkew).Unix(), 10)}}
	var found *BackupJob
	reqID, err := c.backupJobs(ctx, region, name, filters, func(j *BackupJob) bool {
		if j.Name == name && (found == nil || j.Created.Before(found.Created)) {
			found = j
		}
		return false
	})
	if err != nil || found != nil {
		return found, err
	}
	return nil, notFound("DescribeBackupJobs2", name, reqID, fmt.Sprintf("no backup job named %s in vault %s since %s", name, vaultID, since.UTC().Format(time.RFC3339)))
}

func (c *client) CancelBackupJob(ctx context.Context, region, vaultID, jobID string) error {
	_, err := call(ctx, c, "CancelBackupJob", region, jobID, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.CancelBackupJobResponse, error) {
		return sdk.CancelBackupJobWithOptions(&hbrsdk.CancelBackupJobRequest{JobId: tea.String(jobID), VaultId: tea.String(vaultID)}, rt)
	})
	return err
}

type filter struct{ key, operator, value string }

// backupJobs pages DescribeBackupJobs2 until visit says stop, and returns the last request ID.
func (c *client) backupJobs(ctx context.Context, region, resource string, filters []filter, visit func(*BackupJob) bool) (string, error) {
	var reqFilters []*hbrsdk.DescribeBackupJobs2RequestFilters
	for _, f := range filters {
		reqFilters = append(reqFilters, &hbrsdk.DescribeBackupJobs2RequestFilters{Key: tea.String(f.key),
			Operator: tea.String(f.operator), Values: []*string{tea.String(f.value)}})
	}
	var reqID string
	for page := int32(1); ; page++ {
		req := &hbrsdk.DescribeBackupJobs2Request{SourceType: tea.String(SourceContainer), Filters: reqFilters,
			PageNumber: tea.Int32(page), PageSize: tea.Int32(pageSize)}
		out, err := call(ctx, c, "DescribeBackupJobs2", region, resource, func(sdk *hbrsdk.Client, rt *util.RuntimeOptions) (*hbrsdk.DescribeBackupJobs2Response, error) {
			return sdk.DescribeBackupJobs2WithOptions(req, rt)
		})
		if err != nil {
			return "", err
		}
		reqID = tea.StringValue(out.Body.RequestId)
		if out.Body.BackupJobs == nil && tea.Int64Value(out.Body.TotalCount) > 0 {
			return "", incomplete("DescribeBackupJobs2", resource, reqID, "job list")
		}
		var jobs []*hbrsdk.DescribeBackupJobs2ResponseBodyBackupJobsBackupJob
		if out.Body.BackupJobs != nil {
			jobs = out.Body.BackupJobs.BackupJob
		}
		for _, j := range jobs {
			if visit(backupJobFrom(j)) {
				return reqID, nil
			}
		}
		if len(jobs) < pageSize || int64(page)*pageSize >= tea.Int64Value(out.Body.TotalCount) {
			return reqID, nil
		}
	}
}

func backupJobFrom(j *hbrsdk.DescribeBackupJobs2ResponseBodyBackupJobsBackupJob) *BackupJob {
	return &BackupJob{Name: tea.StringValue(j.JobName), ActualBytes: tea.Int64Value(j.ActualBytes), Job: Job{
		ID: tea.StringValue(j.JobId), VaultID: tea.StringValue(j.VaultId), Status: Status(tea.StringValue(j.Status)),
		Progress: Progress(tea.Int32Value(j.Progress)), BytesTotal: tea.Int64Value(j.BytesTotal), BytesDone: tea.Int64Value(j.BytesDone),
		ErrorMessage: tea.StringValue(j.ErrorMessage), Created: unixTime(j.CreatedTime), Started: unixTime(j.StartTime),
		Complete: unixTime(j.CompleteTime)}}
}
