package hbr

import (
	"context"
	"io"
	"time"

	hbrsdk "github.com/alibabacloud-go/hbr-20170908/v2/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/sirupsen/logrus"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/acs"
)

// DefaultCallTimeout bounds one HBR request when the caller's context sets no earlier deadline.
const DefaultCallTimeout = time.Minute

// Config is everything New needs.
type Config struct {
	// Endpoint overrides the regional endpoints (hbr.<region>.aliyuncs.com): "host[:port]" or a URL; an
	// http:// URL selects plain HTTP (emulators). One endpoint then serves every region.
	Endpoint string
	// Credentials hands out current credentials; *credentials.Provider is one.
	Credentials credentials.Source
	// CallTimeout bounds each request; zero means DefaultCallTimeout.
	CallTimeout time.Duration
	// Clock paces throttling backoff, retries and waits for a vault. nil shares the process-wide backoff
	// on the real clock (HBR limits the account, not the client); non-nil gives this client a backoff
	// of its own on that clock, which isolates tests from one another.
	Clock clock.WithTicker
	// Log receives what the client recovers from (a lost answer and the job found after it); nil
	// discards it.
	Log logrus.FieldLogger
}

// processThrottle is shared by every HBR client in the process: all of one account hit the same limits.
var processThrottle = acs.NewThrottle(clock.RealClock{})

type client struct {
	cfg      Config
	throttle *acs.Throttle
	log      logrus.FieldLogger
	// HBR requests carry no region: the endpoint names it, so each region gets its own SDK client.
	regions *acs.Regions[*hbrsdk.Client]
}

var _ Client = (*client)(nil)

// New builds a Client. It makes no network call.
func New(cfg Config) (Client, error) {
	regions, err := acs.NewRegions("hbr", cfg.Endpoint, cfg.Credentials, hbrsdk.NewClient)
	if err != nil {
		return nil, err
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	c := &client{cfg: cfg, throttle: processThrottle, log: cfg.Log, regions: regions}
	if cfg.Clock != nil {
		c.throttle = acs.NewThrottle(cfg.Clock)
	}
	if c.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.log = l
	}
	return c, nil
}

// request is one SDK call; it returns the SDK's *<Action>Response.
type request[T any] func(*hbrsdk.Client, *util.RuntimeOptions) (T, error)

// call runs a request whose repeat is harmless (reads, cancels, deletes): retried while HBR throttles,
// and a few times when the answer was lost (5xx, network, or an answer without what it must carry).
// Creations never come here: they go through once and look for their result before trying again.
func call[T any](ctx context.Context, c *client, op, region, resource string, fn request[T]) (T, error) {
	var out T
	err := acs.RetryLost(ctx, c.throttle, func() error {
		var err error
		out, err = once(ctx, c, op, region, resource, fn)
		return err
	})
	return out, err
}

// once sends a request, after any throttling backoff in force and again while HBR throttles it (a
// throttled request was refused, not carried out, so even a creation may repeat it), bounded by the
// context's deadline (the SDK takes no context) and CallTimeout. A business failure HBR answers with
// HTTP 200 and Success false is an error here like any other.
func once[T any](ctx context.Context, c *client, op, region, resource string, fn request[T]) (T, error) {
	var out T
	sdk, err := c.regions.Client(region)
	if err != nil {
		return out, err
	}
	err = c.throttle.Do(ctx, func() error {
		runtime, ok := acs.Runtime(ctx, c.cfg.CallTimeout)
		if !ok {
			return classify(op, resource, context.DeadlineExceeded)
		}
		var err error
		if out, err = fn(sdk, runtime); err != nil {
			return classify(op, resource, err)
		}
		return answerError(op, resource, out)
	})
	return out, err
}

// incomplete is a success answer without what it must carry: nothing was learned, so it counts as a
// lost answer.
func incomplete(op, resource, requestID, missing string) error {
	return &cloud.Error{Service: "hbr", Operation: op, Resource: resource, Kind: cloud.ErrUnavailable,
		Message: "the answer carries no " + missing, RequestID: requestID}
}

func notFound(op, resource, requestID, message string) error {
	return &cloud.Error{Service: "hbr", Operation: op, Resource: resource, Kind: cloud.ErrNotFound,
		Message: message, RequestID: requestID}
}

// optString leaves a field out of the request rather than sending an empty value.
func optString(s string) *string {
	if s == "" {
		return nil
	}
	return tea.String(s)
}

func unixTime(sec *int64) time.Time {
	if s := tea.Int64Value(sec); s > 0 {
		return time.Unix(s, 0)
	}
	return time.Time{}
}
