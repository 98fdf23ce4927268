package harness

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	ecscloud "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// ErrDiskAttachedElsewhere is what AttachDisk and DetachDisk return for a disk attached to another
// instance (node).
var ErrDiskAttachedElsewhere = errors.New("disk is attached to another instance")

// ECSClient is a client of the emulated ECS through the same code the plugin uses (the real SDK).
func (c *Cloud) ECSClient() (ecscloud.Client, error) {
	return ecscloud.New(ecscloud.Config{Endpoint: c.Endpoint,
		Credentials: staticCredentials{AccessKeyID: c.accessKeyID, AccessKeySecret: c.AccessKeySecret}})
}

// AddDisk creates an ECS disk as a test fixture, as if a cluster's CSI driver had provisioned it.
func (c *Cloud) AddDisk(ctx context.Context, spec ecs.DiskSpec) (ecs.DiskState, error) {
	var out ecs.DiskState
	return out, c.admin(ctx, http.MethodPost, "/ecs/disks", spec, &out)
}

// Disk returns an ECS disk with the directory that holds its bytes.
func (c *Cloud) Disk(ctx context.Context, id string) (ecs.DiskContent, error) {
	var out ecs.DiskContent
	return out, c.admin(ctx, http.MethodGet, "/ecs/disks/"+url.PathEscape(id), nil, &out)
}

// DiskDataDir is the absolute path of the directory that holds a disk's bytes.
func (c *Cloud) DiskDataDir(ctx context.Context, id string) (string, error) {
	d, err := c.Disk(ctx, id)
	return d.DataDir, err
}

// AttachDisk attaches a disk to an instance (a node name); ErrDiskAttachedElsewhere when another has it.
func (c *Cloud) AttachDisk(ctx context.Context, id, instanceID string) (ecs.DiskContent, error) {
	return c.setAttachment(ctx, "attach", id, instanceID)
}

// DetachDisk detaches a disk from an instance; a detached disk is no error.
func (c *Cloud) DetachDisk(ctx context.Context, id, instanceID string) (ecs.DiskContent, error) {
	return c.setAttachment(ctx, "detach", id, instanceID)
}

func (c *Cloud) setAttachment(ctx context.Context, verb, id, instanceID string) (ecs.DiskContent, error) {
	var out ecs.DiskContent
	err := c.admin(ctx, http.MethodPost, "/ecs/disks/"+url.PathEscape(id)+"/"+verb, map[string]string{"instanceId": instanceID}, &out)
	var ae *adminError
	if errors.As(err, &ae) && ae.status == http.StatusConflict {
		return out, fmt.Errorf("%s disk %s to %s: %w: %s", verb, id, instanceID, ErrDiskAttachedElsewhere, ae.msg)
	}
	return out, err
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
