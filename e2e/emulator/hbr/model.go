package hbr

import (
	"encoding/json"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// Statuses as HBR spells them.
const (
	VaultInitializing = "INITIALIZING"
	VaultCreated      = "CREATED"

	JobCreated         = "CREATED"
	JobRunning         = "RUNNING"
	JobComplete        = "COMPLETE"
	JobPartialComplete = "PARTIAL_COMPLETE"
	JobFailed          = "FAILED"
	JobCanceled        = "CANCELED"

	// SourceContainer is the source type (and restore type) of container volumes.
	SourceContainer = "CONTAINER"
)

// Error messages a job ends with, as ACK shows them.
const (
	ErrClientNotExist = "ClientNotExist"
	ErrSourceNotExist = "SOURCE_NOT_EXIST"
	ErrTargetNotExist = "TARGET_NOT_EXIST"
	ErrVaultDeleted   = "VAULT_NOT_EXIST"
)

// Vault is a backup vault. It is INITIALIZING until ReadyAt on the HBR clock.
type Vault struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Region       string    `json:"region"`
	Type         string    `json:"type"`
	StorageClass string    `json:"storageClass"`
	Redundancy   string    `json:"redundancyType"`
	EncryptType  string    `json:"encryptType"`
	KmsKeyID     string    `json:"kmsKeyId,omitempty"`
	Description  string    `json:"description,omitempty"`
	Created      time.Time `json:"created"`
	ReadyAt      time.Time `json:"readyAt"`
}

func (v *Vault) status(now time.Time) string {
	if now.Before(v.ReadyAt) {
		return VaultInitializing
	}
	return VaultCreated
}

// Cluster is a container cluster registered with AddContainerCluster.
type Cluster struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Identifier  string    `json:"identifier"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	NetworkType string    `json:"networkType"`
	Token       string    `json:"token"`
	Created     time.Time `json:"created"`
}

// Agent is the hbr-client of one node, registered through the admin API as installing the DaemonSet
// would. Cluster is the cluster's Identifier (what AddContainerCluster was told), not its cc- ID.
type Agent struct {
	Cluster     string `json:"cluster"`
	Node        string `json:"node"`
	IP          string `json:"ip"`
	Region      string `json:"region"`
	RootDir     string `json:"rootDir"`     // host directory that plays the node's "/"
	KubeletRoot string `json:"kubeletRoot"` // node path; "" = /var/lib/kubelet
}

// ClientID is how HBR names the agent in job answers.
func (a *Agent) ClientID() string { return "c-" + a.Cluster + "-" + a.Node }

// Resource is one entry of CreateBackupJob's ContainerResources.
type Resource struct {
	ResourceType string          `json:"resourceType,omitempty"`
	BackupMethod string          `json:"backupMethod,omitempty"`
	ResourceID   string          `json:"resourceId,omitempty"`
	ResourceInfo json.RawMessage `json:"resourceInfo,omitempty"` // a JSON string holding JSON, or the object itself
	Host         string          `json:"host"`
	HostPrefix   string          `json:"hostPrefix"`
	PVPath       string          `json:"pvPath,omitempty"`
}

// Progress is what a running job reports.
type Progress struct {
	BytesTotal  int64 `json:"bytesTotal"`
	BytesDone   int64 `json:"bytesDone"`
	ActualBytes int64 `json:"actualBytes"` // bytes newly written to the store (backup) or to the target (restore)
	ItemsTotal  int64 `json:"itemsTotal"`
	ItemsDone   int64 `json:"itemsDone"`
	Speed       int64 `json:"speedKBps"`
}

// BackupJob is one CreateBackupJob.
type BackupJob struct {
	ID           string     `json:"id"`
	Name         string     `json:"name"`
	VaultID      string     `json:"vaultId"`
	ClusterID    string     `json:"clusterId"`
	Resource     Resource   `json:"resource"`
	SourceType   string     `json:"sourceType"`
	BackupType   string     `json:"backupType"`
	RetentionDay int64      `json:"retentionDays"`
	Status       string     `json:"status"`
	ErrorMessage string     `json:"errorMessage,omitempty"`
	ClientID     string     `json:"clientId,omitempty"`
	SnapshotID   string     `json:"snapshotId,omitempty"`
	Created      time.Time  `json:"created"`
	Started      *time.Time `json:"started,omitempty"`
	Completed    *time.Time `json:"completed,omitempty"`
	Updated      time.Time  `json:"updated"`
	Progress
}

// Snapshot is the result of a COMPLETE or PARTIAL_COMPLETE backup job.
type Snapshot struct {
	ID           string    `json:"id"`
	Hash         string    `json:"hash"`
	ParentHash   string    `json:"parentHash,omitempty"`
	JobID        string    `json:"jobId"`
	VaultID      string    `json:"vaultId"`
	Source       string    `json:"source"` // what makes backups incremental to each other: cluster and volume
	Path         string    `json:"path"`   // node path backed up
	ClientID     string    `json:"clientId"`
	Status       string    `json:"status"`
	BackupType   string    `json:"backupType"`
	RetentionDay int64     `json:"retentionDays"`
	Created      time.Time `json:"created"`
	Started      time.Time `json:"started"`
	Completed    time.Time `json:"completed"`
	Progress
	entries []Entry // the files, in walk order
}

// expiresAt is when Retention releases the snapshot; ok is false when it is kept until deleted.
func (s *Snapshot) expiresAt() (time.Time, bool) {
	return svc.RetentionEnd(s.Created, s.RetentionDay)
}

// Target is CreateRestoreJob's TargetContainer.
type Target struct {
	Host       string `json:"host"`
	HostPrefix string `json:"hostPrefix"`
	PVPath     string `json:"pvPath,omitempty"`
}

// RestoreJob is one CreateRestoreJob.
type RestoreJob struct {
	ID           string     `json:"id"`
	VaultID      string     `json:"vaultId"`
	SnapshotID   string     `json:"snapshotId"`
	SnapshotHash string     `json:"snapshotHash"`
	ClusterID    string     `json:"clusterId"`
	Target       Target     `json:"target"`
	RestoreType  string     `json:"restoreType"`
	SourceType   string     `json:"sourceType"`
	Status       string     `json:"status"`
	ErrorMessage string     `json:"errorMessage,omitempty"`
	ErrorFile    string     `json:"errorFile,omitempty"`
	ClientID     string     `json:"clientId,omitempty"`
	Created      time.Time  `json:"created"`
	Started      *time.Time `json:"started,omitempty"`
	Completed    *time.Time `json:"completed,omitempty"`
	Updated      time.Time  `json:"updated"`
	Progress
}

func terminal(status string) bool {
	switch status {
	case JobComplete, JobPartialComplete, JobFailed, JobCanceled:
		return true
	}
	return false
}

func unix(t time.Time) int64 { return t.Unix() }

func unixPtr(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.Unix()
}
