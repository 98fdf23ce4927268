package acs

import (
	"errors"
	"fmt"
	"sync"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
)

// Regions keeps one SDK client per region: some RPC requests carry no RegionId, so the client's
// endpoint must name the region.
type Regions[T any] struct {
	service  string
	host     string // the endpoint override; "" = the regional endpoints
	protocol string
	creds    credentials.Source
	newSDK   func(*openapi.Config) (T, error)

	mu      sync.Mutex
	clients map[string]T
}

// NewRegions checks the credentials source and the endpoint override ("host[:port]" or a URL, "" for
// the regional endpoints); service names the client in errors. newSDK is the SDK's NewClient.
func NewRegions[T any](service, endpoint string, creds credentials.Source, newSDK func(*openapi.Config) (T, error)) (*Regions[T], error) {
	if creds == nil {
		return nil, errors.New(service + " client: no credentials source")
	}
	r := &Regions[T]{service: service, protocol: "HTTPS", creds: creds, newSDK: newSDK, clients: map[string]T{}}
	if endpoint != "" {
		host, protocol, err := SplitEndpoint(service, endpoint)
		if err != nil {
			return nil, err
		}
		r.host, r.protocol = host, protocol
	}
	return r, nil
}

// Client returns the SDK client for a region, building it on first use.
func (r *Regions[T]) Client(region string) (T, error) {
	var zero T
	if region == "" {
		return zero, errors.New(r.service + ": no region")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if sdk, ok := r.clients[region]; ok {
		return sdk, nil
	}
	cfg := &openapi.Config{
		RegionId:   tea.String(region),
		Credential: credentials.SDKCredential(r.creds),
		Protocol:   tea.String(r.protocol),
	}
	if r.host != "" {
		cfg.Endpoint = tea.String(r.host)
		if IsLoopback(r.host) {
			// A proxy from the environment must not catch requests to a local emulator.
			cfg.NoProxy = tea.String(r.host)
		}
	}
	sdk, err := r.newSDK(cfg)
	if err != nil {
		return zero, fmt.Errorf("%s client for region %s: %w", r.service, region, err)
	}
	r.clients[region] = sdk
	return sdk, nil
}
