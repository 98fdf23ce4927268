package bslconfig

import (
	"context"
	"fmt"
	"os"
	"sync"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/locationconfig"
)

// Variables of velero server's environment that the plugin reads besides its credentials.
const (
	// EnvEncryptionKeyID asks for SSE-KMS with this key on every new object, as in the existing plugin.
	EnvEncryptionKeyID = "ALIBABA_CLOUD_ENCRYPTION_KEY_ID"
)

// RegionSource says where a location's region came from.
type RegionSource string

const (
	RegionFromConfig   RegionSource = "config key region"
	RegionFromEndpoint RegionSource = "config key endpoint"
	RegionFromMetadata RegionSource = "the ECS metadata service"
	RegionDefault      RegionSource = "the existing Alibaba plugin's default"
)

// Environment is what a location's config falls back on outside its keys.
type Environment struct {
	// Getenv reads velero server's environment, which the plugin inherits; nil reads nothing.
	Getenv func(string) string
	// MetadataRegion asks the ECS metadata service for the region of the node; nil means there is none.
	MetadataRegion func() (string, error)
}

// DefaultEnvironment is the process environment and the ECS metadata service, asked at most once per
// plugin process: the node does not move, and off ECS every Init would otherwise wait for the timeout.
func DefaultEnvironment() Environment {
	return Environment{Getenv: os.Getenv, MetadataRegion: nodeRegion}
}

var nodeRegion = askMetadataOnce(os.Getenv)

// askMetadataOnce returns a lookup of the node's region that asks the metadata service (where
// ALIBABA_CLOUD_IMDS_ENDPOINT says, else its usual address) on its first call and remembers the answer.
func askMetadataOnce(getenv func(string) string) func() (string, error) {
	return sync.OnceValues(func() (string, error) {
		return metadata.FromEnvironment(getenv).Region(context.Background())
	})
}

func (e Environment) getenv(key string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(key)
}

// region is the region of a location whose config names none, found the way the existing plugin found
// it: the node's region from the ECS metadata service, else cn-hangzhou. note says why the metadata
// service was not used, for the warning.
func (e Environment) region(notOnECS bool) (region string, source RegionSource, note string) {
	switch {
	case notOnECS:
		note = keyNotOnECS + " is true"
	case metadata.Disabled(e.getenv):
		note = metadata.EnvDisabled + " is true"
	case e.MetadataRegion == nil:
		note = "no ECS metadata service"
	default:
		r, err := e.MetadataRegion()
		if err == nil && !alibaba.ValidRegion(r) {
			err = fmt.Errorf("%s is not a region ID", locationconfig.Quote(r))
		}
		if err == nil {
			return r, RegionFromMetadata, ""
		}
		note = fmt.Sprintf("the ECS metadata service gave no region: %v", err)
	}
	return alibaba.DefaultRegion, RegionDefault, note
}
