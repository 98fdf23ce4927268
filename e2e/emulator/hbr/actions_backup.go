package hbr

import (
	"encoding/json"
	"strconv"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/rpc"
)

type createBackupJobResponse struct {
	base
	JobID string `json:"JobId"`
}

func (s *Service) createBackupJob(c *call) (any, *rpc.Error) {
	src, e := c.p.Required("SourceType")
	if e != nil {
		return nil, e
	}
	if src != SourceContainer {
		return nil, rpc.ErrInvalidParam("SourceType", "The emulator backs up container volumes only: CONTAINER.")
	}
	v, e := s.vaultForJob(c)
	if e != nil {
		return nil, e
	}
	cl, e := s.clusterParam(c, "ContainerClusterId")
	if e != nil {
		return nil, e
	}
	raw, e := c.p.Required("ContainerResources")
	if e != nil {
		return nil, e
	}
	var res []Resource
	if err := json.Unmarshal([]byte(raw), &res); err != nil || len(res) != 1 || res[0].Host == "" || res[0].HostPrefix == "" {
		return nil, rpc.ErrInvalidParam("ContainerResources",
			"It must be a JSON array holding one resource with host and hostPrefix (the emulator backs up one volume per job).")
	}
	retention, _, e := c.p.Integer("Retention", 0, 1<<31-1)
	if e != nil {
		return nil, e
	}
	j := &BackupJob{ID: rpc.NewID("job-", 24), Name: c.p.Str("JobName"), VaultID: v.ID, ClusterID: cl.ID, Resource: res[0],
		SourceType: src, BackupType: "COMPLETE", RetentionDay: retention, Status: JobCreated, Created: c.now, Updated: c.now}
	s.st.backups[j.ID] = j
	s.startJob(j.ID, s.runBackup)
	return createBackupJobResponse{base: c.ok(), JobID: j.ID}, nil
}

// clusterParam finds the container cluster a parameter names.
func (s *Service) clusterParam(c *call, name string) (*Cluster, *rpc.Error) {
	id, e := c.p.Required(name)
	if e != nil {
		return nil, e
	}
	cl := s.st.clusters[id]
	if cl == nil {
		return nil, refuse(CodeClusterNotExist, "The container cluster %s does not exist.", id)
	}
	return cl, nil
}

var backupFilterKeys = []string{"RegionId", "PlanId", "JobId", "VaultId", "InstanceId", "Bucket", "FileSystemId", "Status",
	"CreatedTime", "CompleteTime", "instanceName"}

type backupJobOut struct {
	JobID        string         `json:"JobId"`
	JobName      string         `json:"JobName"`
	Status       string         `json:"Status"`
	SourceType   string         `json:"SourceType"`
	BackupType   string         `json:"BackupType"`
	VaultID      string         `json:"VaultId"`
	ClientID     string         `json:"ClientId,omitempty"`
	Progress     int32          `json:"Progress"`
	BytesTotal   int64          `json:"BytesTotal"`
	BytesDone    int64          `json:"BytesDone"`
	ActualBytes  int64          `json:"ActualBytes"`
	ItemsTotal   int64          `json:"ItemsTotal"`
	ItemsDone    int64          `json:"ItemsDone"`
	ActualItems  int64          `json:"ActualItems"`
	Speed        int64          `json:"Speed"`
	ErrorMessage string         `json:"ErrorMessage,omitempty"`
	CreatedTime  int64          `json:"CreatedTime"`
	StartTime    int64          `json:"StartTime,omitempty"`
	CompleteTime int64          `json:"CompleteTime,omitempty"`
	UpdatedTime  int64          `json:"UpdatedTime"`
	Paths        map[string]any `json:"Paths"`
	Report       map[string]any `json:"Report"`
}

type describeBackupJobsResponse struct {
	base
	TotalCount int64                     `json:"TotalCount"`
	PageNumber int32                     `json:"PageNumber"`
	PageSize   int32                     `json:"PageSize"`
	BackupJobs map[string][]backupJobOut `json:"BackupJobs"`
}

func (s *Service) describeBackupJobs(c *call) (any, *rpc.Error) {
	q := jobQuery[*BackupJob]{filterKeys: backupFilterKeys, typeParam: "SourceType", field: s.backupField}
	page, e := selectJobs(c.p, s.st.backups, q, backupJSON)
	if e != nil {
		return nil, e
	}
	return describeBackupJobsResponse{base: c.ok(), TotalCount: int64(page.total), PageNumber: page.num, PageSize: page.size,
		BackupJobs: map[string][]backupJobOut{"BackupJob": page.items}}, nil
}

func (s *Service) backupField(j *BackupJob, key string) string {
	switch key {
	case "JobId":
		return j.ID
	case "VaultId":
		return j.VaultID
	case "Status":
		return j.Status
	case "SourceType":
		return j.SourceType
	case "CreatedTime":
		return strconv.FormatInt(unix(j.Created), 10)
	case "CompleteTime":
		return strconv.FormatInt(unixPtr(j.Completed), 10)
	case "RegionId":
		if v := s.st.vaults[j.VaultID]; v != nil {
			return v.Region
		}
	case "InstanceId", "instanceName":
		return j.ClusterID
	}
	return ""
}

func percent(p Progress, status string) int32 {
	switch {
	case status == JobComplete || status == JobPartialComplete:
		return 10000
	case p.BytesTotal <= 0:
		return 0
	}
	return int32(min(p.BytesDone*10000/p.BytesTotal, 9999))
}

func backupJSON(j *BackupJob) backupJobOut {
	files := strconv.FormatInt(j.ItemsTotal, 10)
	return backupJobOut{JobID: j.ID, JobName: j.Name, Status: j.Status, SourceType: j.SourceType, BackupType: j.BackupType,
		VaultID: j.VaultID, ClientID: j.ClientID, Progress: percent(j.Progress, j.Status), BytesTotal: j.BytesTotal,
		BytesDone: j.BytesDone, ActualBytes: j.ActualBytes, ItemsTotal: j.ItemsTotal, ItemsDone: j.ItemsDone, ActualItems: j.ItemsDone,
		Speed: j.Speed, ErrorMessage: j.ErrorMessage, CreatedTime: unix(j.Created), StartTime: unixPtr(j.Started),
		CompleteTime: unixPtr(j.Completed), UpdatedTime: unix(j.Updated),
		Paths:  map[string]any{"Path": []string{j.Resource.HostPrefix}},
		Report: map[string]any{"TotalFiles": files, "SuccessFiles": strconv.FormatInt(j.ItemsDone, 10), "FailedFiles": "0", "SkippedFiles": "0"}}
}

func (s *Service) cancelBackupJob(c *call) (any, *rpc.Error) {
	return s.cancelJob(c, "JobId", "backup", func(id string) (string, string, bool) {
		if j := s.st.backups[id]; j != nil {
			return j.VaultID, j.Status, true
		}
		return "", "", false
	})
}
