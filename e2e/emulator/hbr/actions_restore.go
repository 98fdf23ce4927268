package hbr

import (
	"encoding/json"
	"strconv"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

type createRestoreJobResponse struct {
	base
	RestoreID string `json:"RestoreId"`
}

func (s *Service) createRestoreJob(c *call) (any, *rpc.Error) {
	restoreType, e := c.p.Required("RestoreType")
	if e != nil {
		return nil, e
	}
	src := orDefault(c.p.Str("SourceType"), SourceContainer)
	if restoreType != SourceContainer || src != SourceContainer {
		return nil, rpc.ErrInvalidParam("RestoreType", "The emulator restores container volumes only: CONTAINER.")
	}
	v, e := s.vaultForJob(c)
	if e != nil {
		return nil, e
	}
	snapID, e := c.p.Required("SnapshotId")
	if e != nil {
		return nil, e
	}
	snap := s.st.snapshots[snapID]
	if snap == nil || snap.VaultID != v.ID {
		return nil, refuse(CodeSnapshotNotExist, "The snapshot %s does not exist in vault %s.", snapID, v.ID)
	}
	if h := c.p.Str("SnapshotHash"); h != "" && h != snap.Hash {
		return nil, rpc.ErrInvalidParam("SnapshotHash", "It does not match the snapshot.")
	}
	cl, e := s.clusterParam(c, "TargetContainerClusterId")
	if e != nil {
		return nil, e
	}
	raw, e := c.p.Required("TargetContainer")
	if e != nil {
		return nil, e
	}
	var t Target
	if err := json.Unmarshal([]byte(raw), &t); err != nil || t.Host == "" || t.HostPrefix == "" {
		return nil, rpc.ErrInvalidParam("TargetContainer", `It must be a JSON object {"host","hostPrefix","pvPath"}.`)
	}
	r := &RestoreJob{ID: rpc.NewID("r-", 24), VaultID: v.ID, SnapshotID: snap.ID, SnapshotHash: snap.Hash, ClusterID: cl.ID, Target: t,
		RestoreType: restoreType, SourceType: src, Status: JobCreated, Created: c.now, Updated: c.now}
	s.st.restores[r.ID] = r
	s.startJob(r.ID, s.runRestore)
	return createRestoreJobResponse{base: c.ok(), RestoreID: r.ID}, nil
}

var restoreFilterKeys = []string{"RegionId", "PlanId", "JobId", "VaultId", "InstanceId", "Bucket", "FileSystemId", "Status",
	"CompleteTime", "instanceName"}

type restoreJobOut struct {
	RestoreID      string         `json:"RestoreId"`
	RestoreType    string         `json:"RestoreType"`
	SourceType     string         `json:"SourceType"`
	Status         string         `json:"Status"`
	VaultID        string         `json:"VaultId"`
	SnapshotID     string         `json:"SnapshotId"`
	SnapshotHash   string         `json:"SnapshotHash"`
	ClusterID      string         `json:"ClusterId"`
	TargetClientID string         `json:"TargetClientId,omitempty"`
	TargetPath     string         `json:"TargetPath"`
	Progress       int32          `json:"Progress"`
	BytesTotal     int64          `json:"BytesTotal"`
	BytesDone      int64          `json:"BytesDone"`
	ActualBytes    int64          `json:"ActualBytes"`
	ItemsTotal     int64          `json:"ItemsTotal"`
	ItemsDone      int64          `json:"ItemsDone"`
	ActualItems    int64          `json:"ActualItems"`
	Speed          int64          `json:"Speed"`
	ErrorMessage   string         `json:"ErrorMessage,omitempty"`
	ErrorFile      string         `json:"ErrorFile,omitempty"`
	CreatedTime    int64          `json:"CreatedTime"`
	StartTime      int64          `json:"StartTime,omitempty"`
	CompleteTime   int64          `json:"CompleteTime,omitempty"`
	UpdatedTime    int64          `json:"UpdatedTime"`
	Report         map[string]any `json:"Report"`
}

type describeRestoreJobsResponse struct {
	base
	TotalCount  int32                      `json:"TotalCount"`
	PageNumber  int32                      `json:"PageNumber"`
	PageSize    int32                      `json:"PageSize"`
	RestoreJobs map[string][]restoreJobOut `json:"RestoreJobs"`
}

func (s *Service) describeRestoreJobs(c *call) (any, *rpc.Error) {
	q := jobQuery[*RestoreJob]{filterKeys: restoreFilterKeys, typeParam: "RestoreType", field: s.restoreField}
	page, e := selectJobs(c.p, s.st.restores, q, restoreJSON)
	if e != nil {
		return nil, e
	}
	return describeRestoreJobsResponse{base: c.ok(), TotalCount: int32(page.total), PageNumber: page.num, PageSize: page.size,
		RestoreJobs: map[string][]restoreJobOut{"RestoreJob": page.items}}, nil
}

func (s *Service) restoreField(r *RestoreJob, key string) string {
	switch key {
	case "JobId":
		return r.ID
	case "VaultId":
		return r.VaultID
	case "Status":
		return r.Status
	case "RestoreType":
		return r.RestoreType
	case "CompleteTime":
		return strconv.FormatInt(unixPtr(r.Completed), 10)
	case "RegionId":
		if v := s.st.vaults[r.VaultID]; v != nil {
			return v.Region
		}
	case "InstanceId", "instanceName":
		return r.ClusterID
	}
	return ""
}

func restoreJSON(r *RestoreJob) restoreJobOut {
	return restoreJobOut{RestoreID: r.ID, RestoreType: r.RestoreType, SourceType: r.SourceType, Status: r.Status, VaultID: r.VaultID,
		SnapshotID: r.SnapshotID, SnapshotHash: r.SnapshotHash, ClusterID: r.ClusterID, TargetClientID: r.ClientID,
		TargetPath: r.Target.HostPrefix, Progress: percent(r.Progress, r.Status), BytesTotal: r.BytesTotal, BytesDone: r.BytesDone,
		ActualBytes: r.ActualBytes, ItemsTotal: r.ItemsTotal, ItemsDone: r.ItemsDone, ActualItems: r.ItemsDone, Speed: r.Speed,
		ErrorMessage: r.ErrorMessage, ErrorFile: r.ErrorFile, CreatedTime: unix(r.Created), StartTime: unixPtr(r.Started),
		CompleteTime: unixPtr(r.Completed), UpdatedTime: unix(r.Updated),
		Report: map[string]any{"TotalFiles": strconv.FormatInt(r.ItemsTotal, 10), "SuccessFiles": strconv.FormatInt(r.ItemsDone, 10)}}
}

func (s *Service) cancelRestoreJob(c *call) (any, *rpc.Error) {
	return s.cancelJob(c, "RestoreId", "restore", func(id string) (string, string, bool) {
		if r := s.st.restores[id]; r != nil {
			return r.VaultID, r.Status, true
		}
		return "", "", false
	})
}
