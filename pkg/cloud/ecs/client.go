package ecs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"
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
	// Clock paces throttling backoff. nil shares the process-wide backoff on the real clock, as every
	// client of the plugin process must (ECS limits the account, not the client); non-nil gives this
	// client a backoff of its own on that clock, which isolates tests from one another.
	Clock clock.WithTicker
}

// processThrottle is shared by every ECS client in the plugin process: all locations of one account
// hit the same limits.
var processThrottle = acs.NewThrottle(clock.RealClock{})

type client struct {
	cfg      Config
	throttle *acs.Throttle
	// ECS requests of some actions (CreateSnapshot, DeleteSnapshot) carry no RegionId: the endpoint
	// names the region, so each region gets its own SDK client.
	regions *acs.Regions[*ecssdk.Client]
}

var _ Client = (*client)(nil)

// New builds a Client. It makes no network call.
func New(cfg Config) (Client, error) {
	regions, err := acs.NewRegions("ecs", cfg.Endpoint, cfg.Credentials, ecssdk.NewClient)
	if err != nil {
		return nil, err
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	c := &client{cfg: cfg, throttle: processThrottle, regions: regions}
	if cfg.Clock != nil {
		c.throttle = acs.NewThrottle(cfg.Clock)
	}
	return c, nil
}

// call runs one request: after any throttling backoff in force, bounded by the context's deadline
// (the v4 SDK takes no context), retried while ECS throttles, and retried a few times when the answer
// was lost (5xx, network, or a success without the ID it must carry). That is safe because every call
// here is idempotent: reads, deletes whose repeat finds nothing, and creations that carry a ClientToken
// (clientToken makes one when the caller has none), with which ECS returns the resource of the first
// attempt instead of making a second one.
func (c *client) call(ctx context.Context, op, region, resource string, fn func(*ecssdk.Client, *util.RuntimeOptions) error) error {
	sdk, err := c.regions.Client(region)
	if err != nil {
		return err
	}
	return acs.RetryLost(ctx, c.throttle, func() error {
		return c.throttle.Do(ctx, func() error {
			runtime, ok := acs.Runtime(ctx, c.cfg.CallTimeout)
			if !ok {
				return classify(op, resource, context.DeadlineExceeded)
			}
			return classify(op, resource, fn(sdk, runtime))
		})
	})
}

// clientToken is the caller's ClientToken, or a new random one. A request is built once per call, so
// every retry of the call sends the same token: whatever the caller forgot, a lost answer never makes
// a second disk or snapshot.
func clientToken(caller string) *string {
	if caller != "" {
		return tea.String(caller)
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return tea.String("csdr-" + hex.EncodeToString(b))
}

// incomplete is a success answer without what it must carry: nothing was learned, so it counts as a
// lost answer, which call retries.
func incomplete(op, resource, requestID, missing string) error {
	return &cloud.Error{Service: "ecs", Operation: op, Resource: resource, Kind: cloud.ErrUnavailable,
		Message: "the answer carries no " + missing, RequestID: requestID}
}

// maxFound bounds what a Find lists: it looks for the few resources one operation made.
const maxFound = 100

func requireTags(op string, tags map[string]string) error {
	if len(tags) == 0 {
		return fmt.Errorf("ecs %s: no tags to find by", op)
	}
	return nil
}
