package bslconfig

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/locationconfig"
)

// ossHost is an OSS region endpoint's host: oss-<region>.aliyuncs.com, or oss-<region>-internal.aliyuncs.com
// for the in-region VPC endpoint.
var ossHost = regexp.MustCompile(`^oss-([a-z]{2,}(?:-[a-z0-9]+)+?)(-internal)?\.aliyuncs\.com$`)

// resolveEndpoints sets the region, the endpoint data goes to and the one signed URLs name.
func resolveEndpoints(m map[string]string, env Environment, cfg *Config) error {
	cfg.Region, cfg.RegionSource = m[KeyRegion], RegionFromConfig
	if cfg.Region != "" && !alibaba.ValidRegion(cfg.Region) {
		return fmt.Errorf("config key %q: %s is not an Alibaba Cloud region ID such as cn-hangzhou", KeyRegion, locationconfig.Quote(cfg.Region))
	}
	endpoint, err := parseEndpoint(keyEndpoint, m[keyEndpoint])
	if err != nil {
		return err
	}
	public, err := parseEndpoint(keyPublicEndpoint, m[keyPublicEndpoint])
	if err != nil {
		return err
	}
	if cfg.Region == "" && endpoint != nil {
		if sm := ossHost.FindStringSubmatch(endpoint.Hostname()); sm != nil && alibaba.ValidRegion(sm[1]) {
			cfg.Region, cfg.RegionSource = sm[1], RegionFromEndpoint
		}
	}
	if cfg.Region == "" {
		cfg.Region, cfg.RegionSource, cfg.RegionNote = env.region(cfg.NotOnECS)
	}
	switch {
	case endpoint != nil:
		cfg.Endpoint = endpoint.String()
	case cfg.Network == NetworkInternal:
		cfg.Endpoint = "https://oss-" + cfg.Region + "-internal.aliyuncs.com"
	case cfg.Network == NetworkAccelerate:
		cfg.Endpoint = "https://oss-accelerate.aliyuncs.com"
	default:
		cfg.Endpoint = "https://oss-" + cfg.Region + ".aliyuncs.com"
	}
	if public != nil {
		cfg.SignEndpoint = public.String()
	} else {
		cfg.SignEndpoint = publicCounterpart(cfg.Endpoint)
	}
	return nil
}

// parseEndpoint reads an endpoint key: a URL or a bare host (https is assumed), nothing after the host.
// Unset is nil.
func parseEndpoint(key, v string) (*url.URL, error) {
	if v == "" {
		return nil, nil
	}
	raw := v
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err == nil && u.User != nil {
		// Not quoted: the user info may be a password.
		return nil, fmt.Errorf("config key %q: an endpoint carries no user or password; credentials come from the location's credential", key)
	}
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("config key %q: %s is not an endpoint such as https://oss-cn-hangzhou.aliyuncs.com", key, locationconfig.Quote(v))
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// publicCounterpart is the endpoint a workstation can reach for the same bucket: the public endpoint of
// the region for its in-region VPC endpoint; any other endpoint (public, accelerate, a gateway, an
// emulator) is reached as it is.
func publicCounterpart(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpoint
	}
	sm := ossHost.FindStringSubmatch(u.Hostname())
	if sm == nil || sm[2] == "" {
		return endpoint
	}
	host := "oss-" + sm[1] + ".aliyuncs.com"
	if port := u.Port(); port != "" {
		host += ":" + port
	}
	return (&url.URL{Scheme: u.Scheme, Host: host}).String()
}
