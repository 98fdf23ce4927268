// Package volumesnapshotter is the Velero VolumeSnapshotter on ECS disk snapshots, registered as
// velero.io/alibabacloud like the existing open-source plugin, so its VolumeSnapshotLocations work.
package volumesnapshotter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/volumesnapshotter/pvdisk"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/volumesnapshotter/vslconfig"
)

// Name is the plugin name; `--provider alibabacloud` on a VolumeSnapshotLocation resolves to it.
const Name = "velero.io/alibabacloud"

// callTimeout bounds each ECS call the plugin makes; waits are bounded by the location's restoreTimeout.
const callTimeout = 2 * time.Minute

// Dependencies are the constructors the plugin calls in Init, once it has its config.
type Dependencies struct {
	NewCredentials func(credentials.Options) (credentials.Source, error)
	NewClient      func(ecs.Config) (ecs.Client, error)
	// Backups reads a backup's expiry, so snapshots can expire with the backup.
	Backups BackupReader
	// Identity names this cluster: its snapshots are tagged with it, and DeleteSnapshot keeps those
	// another cluster made (clusters sharing a vault). nil is a cluster that shares nothing: snapshots
	// untagged, every one deleted as before.
	Identity ClusterIdentity
	Clock    clock.WithTicker
	// MetadataEndpoint is the ECS instance metadata service, asked for the region of a location that
	// names none; "" is where ALIBABA_CLOUD_IMDS_ENDPOINT says, else metadata.DefaultEndpoint.
	MetadataEndpoint string
	// Getenv reads the environment; nil is os.Getenv.
	Getenv func(string) string
}

// DefaultDependencies are the real credentials layer, ECS client and clock.
func DefaultDependencies(backups BackupReader, identity ClusterIdentity) Dependencies {
	return Dependencies{
		NewCredentials: func(o credentials.Options) (credentials.Source, error) { return credentials.New(o) },
		NewClient:      ecs.New,
		Backups:        backups,
		Identity:       identity,
		Clock:          clock.RealClock{},
	}
}

// BackupReader reads Velero Backup objects.
type BackupReader interface {
	// Expiration is when Velero will delete the backup.
	Expiration(ctx context.Context, backupName string) (time.Time, error)
}

// Snapshotter implements Velero's VolumeSnapshotter on ECS.
type Snapshotter struct {
	log    logrus.FieldLogger
	deps   Dependencies
	cfg    vslconfig.Config
	client ecs.Client

	mu    sync.Mutex
	disks map[string]*ecs.Disk // read in GetVolumeInfo, reused by CreateSnapshot and SetVolumeID
}

// New returns a Snapshotter that is usable after Init.
func New(log logrus.FieldLogger, deps Dependencies) *Snapshotter {
	if deps.Clock == nil {
		deps.Clock = clock.RealClock{}
	}
	if deps.Getenv == nil {
		deps.Getenv = os.Getenv
	}
	return &Snapshotter{log: log, deps: deps, disks: map[string]*ecs.Disk{}}
}

// Init validates the location's config and builds the client. It makes no network call, but for asking
// the ECS metadata service for the region when the config names none, as the existing plugin did.
func (s *Snapshotter) Init(config map[string]string) error {
	cfg, err := vslconfig.ParseConfig(config)
	if err != nil {
		return err
	}
	if cfg.Region == "" {
		if cfg.Region, err = s.nodeRegion(cfg); err != nil {
			return err
		}
		cfg.RegionFrom = regionFromMetadata
		if err := cfg.CheckZone(); err != nil {
			return err
		}
	}
	creds, err := s.deps.NewCredentials(credentials.Options{File: cfg.CredentialsFile, NotOnECS: cfg.NotOnECS})
	if err != nil {
		return fmt.Errorf("volume snapshot location credentials: %w", err)
	}
	client, err := s.deps.NewClient(ecs.Config{Endpoint: cfg.Endpoint, Credentials: creds})
	if err != nil {
		return err
	}
	s.cfg, s.client = cfg, client
	s.logCompatibility(cfg)
	s.log.WithFields(logrus.Fields{"region": cfg.Region, "zone": cfg.Zone, "endpoint": cfg.Endpoint}).
		Debug("alibabacloud volume snapshotter initialised")
	return nil
}

// GetVolumeID returns the disk ID of a disk PV, and "" with no error for every other volume, so that
// backups with NAS, OSS or other volumes do not become PartiallyFailed.
func (s *Snapshotter) GetVolumeID(pv runtime.Unstructured) (string, error) {
	vol, ours, err := pvdisk.DiskOf(pv)
	if err != nil || !ours {
		return "", err
	}
	return vol.DiskID, nil
}

// SetVolumeID points the PV at the restored disk and at the disk's zone, so pods schedule next to it.
func (s *Snapshotter) SetVolumeID(pv runtime.Unstructured, volumeID string) (runtime.Unstructured, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	disk, err := s.disk(ctx, volumeID)
	if err != nil {
		return nil, fmt.Errorf("set volume ID %s: %w", volumeID, err)
	}
	return pvdisk.SetDisk(pv, disk.ID, disk.Zone, disk.Region)
}

// GetVolumeInfo returns the disk's category with its exact performance level (as "cloud_essd/PL1")
// and, for ESSD AutoPL disks, the provisioned IOPS: what a restore needs to make the same disk.
func (s *Snapshotter) GetVolumeInfo(volumeID, _ string) (string, *int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	disk, err := s.disk(ctx, volumeID)
	if err != nil {
		return "", nil, fmt.Errorf("get volume info of disk %s: %w", volumeID, err)
	}
	spec := specOf(disk)
	if spec.ProvisionedIOPS > 0 {
		iops := spec.ProvisionedIOPS
		return spec.volumeType(), &iops, nil
	}
	return spec.volumeType(), nil, nil
}

// DeleteSnapshot deletes a snapshot in the region its ID names; one that is already gone is success,
// and one another cluster made is kept for it.
func (s *Snapshotter) DeleteSnapshot(snapshotID string) error {
	ref, err := parseSnapshotRef(snapshotID, s.cfg.Region)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	if skip, err := s.skipDelete(ctx, ref); skip || err != nil {
		return err
	}
	err = s.client.DeleteSnapshot(ctx, ref.Region, ref.ID)
	if errors.Is(err, cloud.ErrNotFound) {
		s.log.WithField("snapshot", ref.String()).Info("snapshot already deleted")
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete snapshot %s: %w", ref, err)
	}
	s.log.WithField("snapshot", ref.String()).Info("snapshot deleted")
	return nil
}

// disk reads a disk of the location's region once per plugin instance.
func (s *Snapshotter) disk(ctx context.Context, diskID string) (*ecs.Disk, error) {
	s.mu.Lock()
	d := s.disks[diskID]
	s.mu.Unlock()
	if d != nil {
		return d, nil
	}
	d, err := s.client.DescribeDisk(ctx, s.cfg.Region, diskID)
	if err != nil {
		return nil, err
	}
	s.remember(d)
	return d, nil
}

func (s *Snapshotter) remember(d *ecs.Disk) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.disks[d.ID] = d
}
