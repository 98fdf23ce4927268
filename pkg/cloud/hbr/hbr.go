// Package hbr is the Cloud Backup (HBR) boundary: vaults, container clusters, file-by-file backup and
// restore jobs of Kubernetes volumes and their snapshots, in domain terms, on top of
// github.com/alibabacloud-go/hbr-20170908/v2. No SDK type crosses this package's API; errors are
// *cloud.Error, classified once here, and HBR's own failures read as ACK Backup Center words them.
package hbr

import (
	"context"
	"time"
)

// Client is what the csdr-controller needs from HBR. Every method names its region: HBR endpoints are
// regional, and a vault lives in one region.
//
// HBR takes no idempotency token on creations. The creations here are safe to repeat anyway: each takes
// the time the caller recorded before its first attempt ("creating since"), and looks for what an
// earlier attempt made (by vault, creation time and name or target) before it creates anything.
type Client interface {
	// FindVault returns the vault of a region with that name; cloud.ErrNotFound if there is none.
	FindVault(ctx context.Context, region, name string) (*Vault, error)
	// DescribeVault returns one vault; cloud.ErrNotFound if it does not exist.
	DescribeVault(ctx context.Context, region, vaultID string) (*Vault, error)
	// EnsureVault returns the vault of that name, creating it when there is none, once it is CREATED.
	EnsureVault(ctx context.Context, region, name string) (*Vault, error)

	// FindContainerCluster returns the cluster registered with that identifier; cloud.ErrNotFound if none.
	FindContainerCluster(ctx context.Context, region, identifier string) (*ContainerCluster, error)
	// EnsureContainerCluster returns the cluster registered with spec.Identifier, registering it first
	// when there is none. Its Token is what the nodes' hbr-client agents register with.
	EnsureContainerCluster(ctx context.Context, region string, spec ContainerClusterSpec) (*ContainerCluster, error)

	// CreateBackupJob starts a backup of one volume, or returns the job an earlier attempt made.
	CreateBackupJob(ctx context.Context, spec BackupJobSpec) (string, error)
	// DescribeBackupJob returns one backup job; cloud.ErrNotFound if it does not exist.
	DescribeBackupJob(ctx context.Context, region, jobID string) (*BackupJob, error)
	// FindBackupJob returns the job of that vault and name created at or after since (less a clock
	// skew); cloud.ErrNotFound if there is none.
	FindBackupJob(ctx context.Context, region, vaultID, name string, since time.Time) (*BackupJob, error)
	// CancelBackupJob asks HBR to stop a job; the job ends CANCELED.
	CancelBackupJob(ctx context.Context, region, vaultID, jobID string) error

	// JobSnapshots lists the snapshots a backup job made (one per job for container volumes).
	JobSnapshots(ctx context.Context, region, vaultID, jobID string) ([]*Snapshot, error)
	// Snapshot returns one snapshot of a vault; cloud.ErrNotFound if the vault holds no such snapshot,
	// ErrVaultDeleted if the vault itself was deleted.
	Snapshot(ctx context.Context, region, vaultID, snapshotID string) (*Snapshot, error)
	// DeleteSnapshot deletes a snapshot, also the newest of its volume; one already gone is success.
	DeleteSnapshot(ctx context.Context, region, vaultID, snapshotID string) error

	// CreateRestoreJob starts a restore of a snapshot into a node's path, or returns the job an earlier
	// attempt made.
	CreateRestoreJob(ctx context.Context, spec RestoreJobSpec) (string, error)
	// DescribeRestoreJob returns one restore job; cloud.ErrNotFound if it does not exist.
	DescribeRestoreJob(ctx context.Context, region, vaultID, restoreID string) (*RestoreJob, error)
	// FindRestoreJob returns the restore of spec.SnapshotID into spec's target cluster created at or
	// after spec.Since (less a clock skew); cloud.ErrNotFound if there is none.
	FindRestoreJob(ctx context.Context, spec RestoreJobSpec) (*RestoreJob, error)
	// CancelRestoreJob asks HBR to stop a restore; the job ends CANCELED.
	CancelRestoreJob(ctx context.Context, region, vaultID, restoreID string) error
}

// Vault status values.
const (
	VaultInitializing = "INITIALIZING"
	VaultCreated      = "CREATED"
	VaultError        = "ERROR"
)

// Vault is an HBR backup vault.
type Vault struct {
	ID, Name, Region, Status string
	StorageBytes             int64
	Created                  time.Time
}

// ContainerClusterSpec registers a Kubernetes cluster with HBR.
type ContainerClusterSpec struct {
	// Identifier is what tells the cluster apart for good: ACK's cluster ID, here the UID of the
	// cluster's kube-system namespace.
	Identifier  string
	Name        string
	Description string
	// NetworkType is how the agents reach HBR: "CLASSIC" or "VPC" ("" = VPC).
	NetworkType string
}

// ContainerCluster is a Kubernetes cluster registered with HBR.
type ContainerCluster struct {
	ID, Identifier, Name, NetworkType string
	// AgentStatus is HBR's view of the cluster's hbr-client agents, e.g. "ACTIVATED".
	AgentStatus string
	// Token registers the hbr-client agents of the cluster (their Secret's HBR_TOKEN).
	Token Token
}
