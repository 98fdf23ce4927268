package volumesnapshotter

import (
	"context"
	"fmt"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/volumesnapshotter/vslconfig"
)

// regionFromMetadata is vslconfig.Config.RegionFrom for a region the ECS metadata service gave.
const regionFromMetadata = "the ECS metadata service (this node's region)"

// nodeRegion is the region of the ECS instance the plugin runs on, which the existing plugin used for a
// location that names no region. Asking is not allowed when notOnECS or the environment turn the
// metadata service off.
func (s *Snapshotter) nodeRegion(cfg vslconfig.Config) (string, error) {
	const set = "set it to the region of the disks, such as cn-hangzhou"
	switch {
	case cfg.NotOnECS:
		return "", fmt.Errorf("config key %q is not set, and notOnECS forbids asking the ECS metadata service for this node's region; %s",
			vslconfig.KeyRegion, set)
	case metadata.Disabled(s.deps.Getenv):
		return "", fmt.Errorf("config key %q is not set, and %s=true forbids asking the ECS metadata service for this node's region; %s",
			vslconfig.KeyRegion, metadata.EnvDisabled, set)
	}
	// The metadata client bounds its own calls: off ECS the service does not answer at all.
	client := metadata.FromEnvironment(s.deps.Getenv)
	if s.deps.MetadataEndpoint != "" {
		client = metadata.New(s.deps.MetadataEndpoint)
	}
	region, err := client.Region(context.Background())
	if err != nil {
		return "", fmt.Errorf("config key %q is not set, and the ECS metadata service could not tell this node's region (%w); %s",
			vslconfig.KeyRegion, err, set)
	}
	return region, nil
}

// logCompatibility says, once per Init, what the config of the existing plugin left to guesswork.
func (s *Snapshotter) logCompatibility(cfg vslconfig.Config) {
	if cfg.RegionFrom != "" {
		s.log.WithField("region", cfg.Region).Warnf("config key %s is not set: using %s, from %s; set %s in the VolumeSnapshotLocation's config, so that it does not depend on where the plugin runs",
			vslconfig.KeyRegion, cfg.Region, cfg.RegionFrom, vslconfig.KeyRegion)
	}
	if cfg.Network != "" {
		s.log.WithField(vslconfig.KeyNetwork, cfg.Network).Infof("config key %s is accepted for compatibility with the existing plugin and ignored: it chooses OSS endpoints, and ECS has no such choice (set endpoint for a VPC endpoint)",
			vslconfig.KeyNetwork)
	}
}
