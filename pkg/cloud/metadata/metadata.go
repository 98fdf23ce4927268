// Package metadata reads the ECS instance metadata service for what a location may leave unsaid: the
// region and zone of the node Velero runs on. The existing open-source plugin filled a missing region
// this way, so locations written for it rely on it.
package metadata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// DefaultEndpoint is the metadata service every ECS instance reaches.
const DefaultEndpoint = "http://100.100.100.200"

// Environment variables about the metadata service, as the Alibaba Cloud SDKs and tools read them.
const (
	// EnvDisabled set to true forbids asking the metadata service, for credentials and regions alike.
	EnvDisabled = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
	// EnvEndpoint moves the metadata service, as the existing plugin's metadata client (ack-ram-tool's
	// ecsmetadata) allowed; tests point it at a stand-in.
	EnvEndpoint = "ALIBABA_CLOUD_IMDS_ENDPOINT"
)

// Disabled reports whether the environment forbids asking the metadata service.
func Disabled(getenv func(string) string) bool {
	return strings.EqualFold(strings.TrimSpace(getenv(EnvDisabled)), "true")
}

// FromEnvironment returns a client of the metadata service where the environment says it is.
func FromEnvironment(getenv func(string) string) *Client { return New(getenv(EnvEndpoint)) }

// timeout bounds one lookup: off ECS the address does not answer, and a location must not hang for it.
const timeout = 3 * time.Second

// Headers of the metadata service's hardened mode (IMDSv2).
const (
	tokenTTLHeader = "X-aliyun-ecs-metadata-token-ttl-seconds"
	tokenHeader    = "X-aliyun-ecs-metadata-token"
	tokenTTL       = "60"
)

// Client reads the metadata service.
type Client struct {
	endpoint string
	http     *http.Client
}

// New returns a client of the metadata service at endpoint; "" means DefaultEndpoint. It makes no call.
func New(endpoint string) *Client {
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	// No proxy: the metadata service is link-local, and a proxy must never see its answers.
	transport := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	return &Client{endpoint: strings.TrimRight(endpoint, "/"), http: &http.Client{Transport: transport, Timeout: timeout}}
}

// Region returns the region of the ECS instance this runs on.
func (c *Client) Region(ctx context.Context) (string, error) {
	region, err := c.get(ctx, "region-id")
	if err != nil {
		return "", err
	}
	if !alibaba.ValidRegion(region) {
		return "", fmt.Errorf("ecs metadata region-id: %q is not a region ID", bounded(region))
	}
	return region, nil
}

// Zone returns the zone of the ECS instance this runs on.
func (c *Client) Zone(ctx context.Context) (string, error) {
	zone, err := c.get(ctx, "zone-id")
	if err != nil {
		return "", err
	}
	if !alibaba.ValidRegion(zone) {
		return "", fmt.Errorf("ecs metadata zone-id: %q is not a zone ID", bounded(zone))
	}
	return zone, nil
}

// get reads one item, with a session token when the service hands one out (hardened mode requires it),
// else without, as the service's normal mode allows.
func (c *Client) get(ctx context.Context, item string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	token, err := c.token(ctx)
	if err != nil {
		return "", fmt.Errorf("ecs metadata %s: %w", item, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+"/latest/meta-data/"+item, nil)
	if err != nil {
		return "", fmt.Errorf("ecs metadata %s: %w", item, err)
	}
	if token != "" {
		req.Header.Set(tokenHeader, token)
	}
	body, err := c.do(req)
	if err != nil {
		return "", fmt.Errorf("ecs metadata %s: %w", item, err)
	}
	return body, nil
}

// errStatus is an answer other than 200.
var errStatus = errors.New("unexpected status")

func (c *Client) token(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, c.endpoint+"/latest/api/token", nil)
	if err != nil {
		return "", err
	}
	req.Header.Set(tokenTTLHeader, tokenTTL)
	token, err := c.do(req)
	if errors.Is(err, errStatus) {
		// The service answered but hands out no token: normal mode, where reads need none.
		return "", nil
	}
	return token, err
}

func (c *Client) do(req *http.Request) (string, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%w %d", errStatus, resp.StatusCode)
	}
	return strings.TrimSpace(string(body)), nil
}

func bounded(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
