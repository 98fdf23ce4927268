package harness

import (
	"context"
	"net/http"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

// AddDisk creates an ECS disk as a test fixture, as if a cluster's CSI driver had provisioned it.
func (c *Cloud) AddDisk(ctx context.Context, spec ecs.DiskSpec) (ecs.DiskState, error) {
	var out ecs.DiskState
	return out, c.admin(ctx, http.MethodPost, "/ecs/disks", spec, &out)
}

// ECS is the emulated ECS's state: disks, snapshots, request counters.
func (c *Cloud) ECS(ctx context.Context) (ecs.State, error) {
	var out ecs.State
	return out, c.admin(ctx, http.MethodGet, "/ecs/state", nil, &out)
}

// SetECSSettings changes how long snapshots and disks take to be ready.
func (c *Cloud) SetECSSettings(ctx context.Context, set ecs.Settings) error {
	return c.admin(ctx, http.MethodPost, "/ecs/settings", set, nil)
}
