package hbr

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
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
	protocol string
	host     string
	throttle *acs.Throttle
	log      logrus.FieldLogger

	mu      sync.Mutex
	regions map[string]*hbrsdk.Client
}

var _ Client = (*client)(nil)

// New builds a Client. It makes no network call.
func New(cfg Config) (Client, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("hbr client: no credentials source")
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	c := &client{cfg: cfg, protocol: "HTTPS", regions: map[string]*hbrsdk.Client{}, throttle: processThrottle, log: cfg.Log}
	if cfg.Clock != nil {
		c.throttle = acs.NewThrottle(cfg.Clock)
	}
	if c.log == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		c.log = l
	}
	if cfg.Endpoint != "" {
		host, protocol, err := acs.SplitEndpoint("hbr", cfg.Endpoint)
		if err != nil {
			return nil, err
		}
		c.host, c.protocol = host, protocol
	}
	return c, nil
}

// sdk returns the SDK client for a region: HBR requests carry no region, the endpoint names it.
func (c *client) sdk(region string) (*hbrsdk.Client, error) {
	if region == "" {
		return nil, errors.New("hbr: no region")
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
		if acs.IsLoopback(c.host) {
			// A proxy from the environment must not catch requests to a local emulator.
			cfg.NoProxy = tea.String(c.host)
		}
	}
	sdk, err := hbrsdk.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("hbr client for region %s: %w", region, err)
	}
	c.regions[region] = sdk
	return sdk, nil
}

// request is one SDK call; it returns the SDK's *<Action>Response.
type request[T any] func(*hbrsdk.Client, *util.RuntimeOptions) (T, error)

// call runs a request whose repeat is harmless (reads, cancels, deletes): retried while HBR throttles,
// and a few times when the answer was lost (5xx, network, or an answer without what it must carry).
// Creations never come here: they go through once and look for their result before trying again.
func call[T any](ctx context.Context, c *client, op, region, resource string, fn request[T]) (T, error) {
	for attempt := 1; ; attempt++ {
		out, err := once(ctx, c, op, region, resource, fn)
		if !errors.Is(err, cloud.ErrUnavailable) || attempt == unavailableAttempts || ctx.Err() != nil {
			return out, err
		}
		if c.sleep(ctx, time.Duration(attempt)*time.Second) != nil {
			return out, err
		}
	}
}

// unavailableAttempts bounds the attempts of a call whose answer was lost.
const unavailableAttempts = 3

// once sends a request, after any throttling backoff in force and again while HBR throttles it (a
// throttled request was refused, not carried out, so even a creation may repeat it), bounded by the
// context's deadline (the SDK takes no context) and CallTimeout. A business failure HBR answers with
// HTTP 200 and Success false is an error here like any other.
func once[T any](ctx context.Context, c *client, op, region, resource string, fn request[T]) (T, error) {
	var out T
	sdk, err := c.sdk(region)
	if err != nil {
		return out, err
	}
	err = c.throttle.Do(ctx, func() error {
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
		var err error
		if out, err = fn(sdk, runtime); err != nil {
			return classify(op, resource, err)
		}
		return answerError(op, resource, out)
	})
	return out, err
}

func (c *client) sleep(ctx context.Context, d time.Duration) error {
	timer := c.throttle.Clock().NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C():
		return nil
	}
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
