package hbr

import (
	"fmt"
	"time"
)

// Status is the state of a backup or restore job, or of a snapshot.
type Status string

// Job statuses. HBR documents COMPLETE, PARTIAL_COMPLETE and FAILED; its other services' tasks add the
// rest, which the emulator and real HBR may answer too.
const (
	StatusCreated         Status = "CREATED"
	StatusQueued          Status = "QUEUED"
	StatusRunning         Status = "RUNNING"
	StatusCanceling       Status = "CANCELING"
	StatusComplete        Status = "COMPLETE"
	StatusPartialComplete Status = "PARTIAL_COMPLETE"
	StatusFailed          Status = "FAILED"
	StatusCanceled        Status = "CANCELED"
	StatusExpired         Status = "EXPIRED"
	StatusClientDeleted   Status = "CLIENT_DELETED"
)

// Terminal reports whether a job in this status is over; every status not known to end one is running.
func (s Status) Terminal() bool {
	switch s {
	case StatusComplete, StatusPartialComplete, StatusFailed, StatusCanceled, StatusExpired, StatusClientDeleted:
		return true
	}
	return false
}

// Progress is how far a job is, in HBR's unit: 0..10000, 10000 = 100 %.
type Progress int

// ProgressDone is a finished job's progress.
const ProgressDone Progress = 10000

// Percent is the progress in percent, 0..100.
func (p Progress) Percent() float64 { return float64(min(max(p, 0), ProgressDone)) / 100 }

// Volume is the Kubernetes volume a backup job reads: its PV and claim, for HBR's records.
type Volume struct {
	PVName, PVUID string
	PVCName       string
	Namespace     string
	StorageClass  string
	Size          string // the PV's capacity as Kubernetes writes it, e.g. "8Gi"
	NodeIP        string // InternalIP of the node that mounts the volume
	NodePath      string // absolute path of the volume on that node, e.g. <kubelet root>/pods/<uid>/volumes/...
}

// BackupJobSpec describes a backup of one volume.
type BackupJobSpec struct {
	Region, VaultID    string
	ContainerClusterID string
	// Name is the job's name, how FindBackupJob tells it apart: unique per backup and volume.
	Name          string
	RetentionDays int64
	Volume        Volume
	// Since is when the caller first set out to create this job, recorded before the first attempt: the
	// earliest time HBR can have created it.
	Since time.Time
}

// Job is what backup and restore jobs share.
type Job struct {
	ID, VaultID string
	Status      Status
	Progress    Progress
	BytesTotal  int64
	BytesDone   int64
	// ErrorMessage is HBR's reason for a failure, e.g. ClientNotExist or SOURCE_NOT_EXIST.
	ErrorMessage               string
	Created, Started, Complete time.Time
}

// Err is nil while the job runs and once it is COMPLETE; otherwise the failure in ACK's words.
func (j *Job) Err() error {
	if !j.Status.Terminal() || j.Status == StatusComplete {
		return nil
	}
	return &JobError{JobID: j.ID, Status: j.Status, Message: j.ErrorMessage}
}

// BackupJob is a backup job.
type BackupJob struct {
	Job
	Name string
	// ActualBytes is what the job wrote to the vault: less than BytesDone when unchanged files were
	// deduplicated against the volume's previous snapshot.
	ActualBytes int64
}

// RestoreJobSpec describes a restore of a snapshot into a path of a node.
type RestoreJobSpec struct {
	Region, VaultID, SnapshotID string
	// TargetContainerClusterID, TargetNode and TargetPath say where the files go: a registered
	// cluster, a node name and an absolute node path.
	TargetContainerClusterID string
	TargetNode, TargetPath   string
	// Since is when the caller first set out to create this restore, recorded before the first attempt.
	Since time.Time
}

// RestoreJob is a restore job.
type RestoreJob struct {
	Job
	SnapshotID         string
	ContainerClusterID string
	TargetPath         string // where HBR says it writes, when it says
}

// Snapshot is what a backup job left in its vault.
type Snapshot struct {
	ID, Hash, ParentHash string
	JobID, VaultID       string
	Status               Status
	BytesTotal           int64
	ActualBytes          int64
	Created, Expires     time.Time
	RetentionDays        int64
}

// JobError is a job that ended other than COMPLETE, worded as ACK Backup Center reports it.
type JobError struct {
	JobID   string
	Status  Status
	Message string
}

func (e *JobError) Error() string {
	return fmt.Sprintf("hbr task finished with unexpected status: %s, errMsg %s", e.Status, e.Message)
}
