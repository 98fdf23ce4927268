package ecs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
)

// DefaultCallTimeout bounds one ECS request when the caller's context sets no earlier deadline.
const DefaultCallTimeout = time.Minute

// Config is everything New needs.
type Config struct {
	// Endpoint overrides the regional endpoints: "host[:port]" or a URL; an http:// URL selects plain
	// HTTP (emulators). One endpoint then serves every region, told apart by the requests' RegionId.
	Endpoint string
	// Credentials hands out current credentials; *credentials.Provider is one.
	Credentials credentials.Source
	// CallTimeout bounds each request; zero means DefaultCallTimeout.
	CallTimeout time.Duration
	// Clock paces throttling backoff; nil means the real clock.
	Clock clock.WithTicker
}

type client struct {
	cfg      Config
	protocol string
	host     string
	throttle *throttle

	mu      sync.Mutex
	regions map[string]*ecssdk.Client
}

var _ Client = (*client)(nil)

// New builds a Client. It makes no network call.
func New(cfg Config) (Client, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("ecs client: no credentials source")
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	c := &client{cfg: cfg, protocol: "HTTPS", regions: map[string]*ecssdk.Client{}, throttle: processThrottle}
	if cfg.Clock != nil {
		c.throttle = newThrottle(cfg.Clock)
	}
	if cfg.Endpoint != "" {
		host, protocol, err := splitEndpoint(cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		c.host, c.protocol = host, protocol
	}
	return c, nil
}

// splitEndpoint turns "https://ecs.example.com", "http://127.0.0.1:9000" or "ecs.example.com" into the
// host and protocol darabonba-openapi wants.
func splitEndpoint(endpoint string) (host, protocol string, err error) {
	if !strings.Contains(endpoint, "://") {
		return endpoint, "HTTPS", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return "", "", fmt.Errorf("ecs endpoint %q: want host[:port] or scheme://host[:port]", endpoint)
	}
	switch u.Scheme {
	case "http":
		return u.Host, "HTTP", nil
	case "https":
		return u.Host, "HTTPS", nil
	}
	return "", "", fmt.Errorf("ecs endpoint %q: scheme must be http or https", endpoint)
}

func isLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// sdk returns the SDK client for a region. ECS requests of some actions (CreateSnapshot,
// DeleteSnapshot) carry no RegionId: the endpoint names the region, so each region gets its own client.
func (c *client) sdk(region string) (*ecssdk.Client, error) {
	if region == "" {
		return nil, errors.New("ecs: no region")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if sdk := c.regions[region]; sdk != nil {
		return sdk, nil
	}
	cfg := &openapi.Config{
		RegionId:   tea.String(region),
		Credential: credentials.SDKCredential(c.cfg.Credentials),
		Protocol:   tea.String(c.protocol),
	}
	if c.host != "" {
		cfg.Endpoint = tea.String(c.host)
		if isLoopback(c.host) {
			// A proxy from the environment must not catch requests to a local emulator.
			cfg.NoProxy = tea.String(c.host)
		}
	}
	sdk, err := ecssdk.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("ecs client for region %s: %w", region, err)
	}
	c.regions[region] = sdk
	return sdk, nil
}

// call runs one request: after any throttling backoff in force, bounded by the context's deadline
// (the v4 SDK takes no context), retried while ECS throttles, and retried a few times when the answer
// was lost (5xx, network). That is safe because every call here is idempotent: reads, deletes whose
// repeat finds nothing, and creations that carry a ClientToken, with which ECS returns the resource
// of the first attempt instead of making a second one.
func (c *client) call(ctx context.Context, op, region, resource string, fn func(*ecssdk.Client, *util.RuntimeOptions) error) error {
	sdk, err := c.sdk(region)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, op, resource, sdk, fn)
		if !errors.Is(err, cloud.ErrUnavailable) || attempt == unavailableAttempts || ctx.Err() != nil {
			return err
		}
		timer := c.throttle.clock.NewTimer(time.Duration(attempt) * time.Second)
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C():
		}
	}
}

// unavailableAttempts bounds the attempts of a call whose answer was lost.
const unavailableAttempts = 3

func (c *client) attempt(ctx context.Context, op, resource string, sdk *ecssdk.Client, fn func(*ecssdk.Client, *util.RuntimeOptions) error) error {
	return c.throttle.do(ctx, func() error {
		timeout := c.cfg.CallTimeout
		if deadline, ok := ctx.Deadline(); ok {
			timeout = min(timeout, time.Until(deadline))
		}
		if timeout <= 0 {
			return classify(op, resource, context.DeadlineExceeded)
		}
		ms := int(timeout.Milliseconds())
		runtime := &util.RuntimeOptions{ReadTimeout: tea.Int(ms), ConnectTimeout: tea.Int(min(ms, 10_000)),
			Autoretry: tea.Bool(false)}
		return classify(op, resource, fn(sdk, runtime))
	})
}

func (c *client) DescribeDisk(ctx context.Context, region, diskID string) (*Disk, error) {
	ids, _ := json.Marshal([]string{diskID})
	var out *ecssdk.DescribeDisksResponse
	err := c.call(ctx, "DescribeDisks", region, diskID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.DescribeDisksWithOptions(&ecssdk.DescribeDisksRequest{
			RegionId: tea.String(region), DiskIds: tea.String(string(ids))}, rt)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Body == nil || out.Body.Disks == nil || len(out.Body.Disks.Disk) == 0 {
		var reqID string
		if out.Body != nil {
			reqID = tea.StringValue(out.Body.RequestId)
		}
		return nil, notFound("DescribeDisks", diskID, reqID, "disk "+diskID+" does not exist in region "+region)
	}
	return diskFrom(region, out.Body.Disks.Disk[0]), nil
}

func (c *client) CreateDisk(ctx context.Context, o DiskOptions) (string, error) {
	req := &ecssdk.CreateDiskRequest{
		RegionId: tea.String(o.Region), ZoneId: tea.String(o.Zone), DiskCategory: optString(o.Category),
		SnapshotId: optString(o.SnapshotID), DiskName: optString(o.Name), PerformanceLevel: optString(o.PerformanceLevel),
		ClientToken: optString(o.ClientToken), KMSKeyId: optString(o.KMSKeyID),
	}
	if o.SizeGiB > 0 {
		req.Size = tea.Int32(int32(o.SizeGiB))
	}
	if o.ProvisionedIOPS > 0 {
		req.ProvisionedIops = tea.Int64(o.ProvisionedIOPS)
	}
	if o.BurstingEnabled {
		req.BurstingEnabled = tea.Bool(true)
	}
	if o.Encrypted {
		req.Encrypted = tea.Bool(true)
	}
	for _, k := range sortedKeys(o.Tags) {
		req.Tag = append(req.Tag, &ecssdk.CreateDiskRequestTag{Key: tea.String(k), Value: tea.String(o.Tags[k])})
	}
	var out *ecssdk.CreateDiskResponse
	err := c.call(ctx, "CreateDisk", o.Region, o.Zone, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.CreateDiskWithOptions(req, rt)
		return err
	})
	if err != nil {
		return "", err
	}
	return tea.StringValue(out.Body.DiskId), nil
}

func (c *client) CreateSnapshot(ctx context.Context, o SnapshotOptions) (string, error) {
	req := &ecssdk.CreateSnapshotRequest{
		DiskId: tea.String(o.DiskID), SnapshotName: optString(o.Name), Description: optString(o.Description),
		ClientToken: optString(o.ClientToken),
	}
	if o.InstantAccess {
		req.InstantAccess = tea.Bool(true)
	}
	if o.RetentionDays > 0 {
		req.RetentionDays = tea.Int32(int32(o.RetentionDays))
	}
	for _, k := range sortedKeys(o.Tags) {
		req.Tag = append(req.Tag, &ecssdk.CreateSnapshotRequestTag{Key: tea.String(k), Value: tea.String(o.Tags[k])})
	}
	var out *ecssdk.CreateSnapshotResponse
	err := c.call(ctx, "CreateSnapshot", o.Region, o.DiskID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.CreateSnapshotWithOptions(req, rt)
		return err
	})
	if err != nil {
		return "", err
	}
	return tea.StringValue(out.Body.SnapshotId), nil
}

func (c *client) DescribeSnapshot(ctx context.Context, region, snapshotID string) (*Snapshot, error) {
	ids, _ := json.Marshal([]string{snapshotID})
	var out *ecssdk.DescribeSnapshotsResponse
	err := c.call(ctx, "DescribeSnapshots", region, snapshotID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.DescribeSnapshotsWithOptions(&ecssdk.DescribeSnapshotsRequest{
			RegionId: tea.String(region), SnapshotIds: tea.String(string(ids))}, rt)
		return err
	})
	if err != nil {
		return nil, err
	}
	// ECS answers an unknown snapshot ID with an empty list, not an error.
	if out.Body == nil || out.Body.Snapshots == nil || len(out.Body.Snapshots.Snapshot) == 0 {
		var reqID string
		if out.Body != nil {
			reqID = tea.StringValue(out.Body.RequestId)
		}
		return nil, notFound("DescribeSnapshots", snapshotID, reqID, "snapshot "+snapshotID+" does not exist in region "+region)
	}
	return snapshotFrom(region, out.Body.Snapshots.Snapshot[0]), nil
}

func (c *client) CopySnapshot(ctx context.Context, o CopySnapshotOptions) (string, error) {
	req := &ecssdk.CopySnapshotRequest{
		RegionId: tea.String(o.SourceRegion), SnapshotId: tea.String(o.SnapshotID),
		DestinationRegionId: tea.String(o.DestinationRegion), DestinationSnapshotName: optString(o.Name),
		ClientToken: optString(o.ClientToken), KMSKeyId: optString(o.KMSKeyID),
	}
	if o.RetentionDays > 0 {
		req.RetentionDays = tea.Int32(int32(o.RetentionDays))
	}
	if o.Encrypted {
		req.Encrypted = tea.Bool(true)
	}
	for _, k := range sortedKeys(o.Tags) {
		req.Tag = append(req.Tag, &ecssdk.CopySnapshotRequestTag{Key: tea.String(k), Value: tea.String(o.Tags[k])})
	}
	var out *ecssdk.CopySnapshotResponse
	err := c.call(ctx, "CopySnapshot", o.SourceRegion, o.SnapshotID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.CopySnapshotWithOptions(req, rt)
		return err
	})
	if err != nil {
		return "", err
	}
	return tea.StringValue(out.Body.SnapshotId), nil
}

func (c *client) DeleteSnapshot(ctx context.Context, region, snapshotID string) error {
	return c.call(ctx, "DeleteSnapshot", region, snapshotID, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) error {
		// Force: a backup's snapshot goes with the backup, also when disks were restored from it.
		_, err := sdk.DeleteSnapshotWithOptions(&ecssdk.DeleteSnapshotRequest{
			SnapshotId: tea.String(snapshotID), Force: tea.Bool(true)}, rt)
		return err
	})
}

func (c *client) DescribeZones(ctx context.Context, region string) ([]Zone, error) {
	var out *ecssdk.DescribeZonesResponse
	err := c.call(ctx, "DescribeZones", region, region, func(sdk *ecssdk.Client, rt *util.RuntimeOptions) (err error) {
		out, err = sdk.DescribeZonesWithOptions(&ecssdk.DescribeZonesRequest{RegionId: tea.String(region)}, rt)
		return err
	})
	if err != nil {
		return nil, err
	}
	var zones []Zone
	if out.Body != nil && out.Body.Zones != nil {
		for _, z := range out.Body.Zones.Zone {
			zone := Zone{ID: tea.StringValue(z.ZoneId)}
			if z.AvailableDiskCategories != nil {
				zone.DiskCategories = tea.StringSliceValue(z.AvailableDiskCategories.DiskCategories)
			}
			zones = append(zones, zone)
		}
	}
	return zones, nil
}
