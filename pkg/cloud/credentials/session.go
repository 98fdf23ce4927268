package credentials

import (
	"fmt"
	"os"
	"strings"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// RRSA (RAM Roles for Service Accounts) variables, as ACK's pod identity
// webhook injects them.
const (
	envRoleARN         = "ALIBABA_CLOUD_ROLE_ARN"
	envOIDCProviderARN = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
	envOIDCTokenFile   = "ALIBABA_CLOUD_OIDC_TOKEN_FILE"
	envRoleSessionName = "ALIBABA_CLOUD_ROLE_SESSION_NAME"
	envSTSRegion       = "ALIBABA_CLOUD_STS_REGION"
	envVPCEndpoint     = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED"
)

// defaultRoleSessionName shows up in ActionTrail next to every call made with
// the assumed role, so it says who we are.
const defaultRoleSessionName = "velero-plugin-for-alibabacloud"

// fromRRSA returns nil, nil when none of the three required variables is set.
//
// Every setting is passed to credentials-go explicitly, because its builder
// falls back to os.Getenv for anything left empty, which would bypass
// Options.Getenv.
func fromRRSA(opts Options, getenv func(string) string) (*Provider, error) {
	required := []string{envRoleARN, envOIDCProviderARN, envOIDCTokenFile}
	var missing []string
	for _, name := range required {
		if getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	switch len(missing) {
	case len(required):
		return nil, nil
	case 0:
	default:
		return nil, fmt.Errorf("RRSA is partly configured: %s not set", strings.Join(missing, ", "))
	}

	roleARN, tokenFile := getenv(envRoleARN), getenv(envOIDCTokenFile)
	source := "RRSA (role " + roleARN + ")"
	// The token itself is read on every fetch (the kubelet rotates it), but
	// a path that is wrong from the start is better reported now.
	if _, err := os.Stat(tokenFile); err != nil {
		return nil, fmt.Errorf("%s: OIDC token file from %s: %w", source, envOIDCTokenFile, err)
	}
	endpoint := opts.stsEndpoint
	if endpoint == "" {
		var err error
		if endpoint, err = stsEndpoint(getenv); err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
	}
	sessionName := getenv(envRoleSessionName)
	if sessionName == "" {
		sessionName = defaultRoleSessionName
	}
	session, err := providers.NewOIDCCredentialsProviderBuilder().
		WithRoleArn(roleARN).
		WithOIDCProviderARN(getenv(envOIDCProviderARN)).
		WithOIDCTokenFilePath(tokenFile).
		WithRoleSessionName(sessionName).
		WithSTSEndpoint(endpoint).
		Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return newSessionProvider(source, "oidc_role_arn", session), nil
}

// stsEndpoint mirrors credentials-go's choice (sts[-vpc].<region>.aliyuncs.com,
// or sts.aliyuncs.com without a region) but reads the variables through
// getenv.
func stsEndpoint(getenv func(string) string) (string, error) {
	region := getenv(envSTSRegion)
	if region == "" {
		return "sts.aliyuncs.com", nil
	}
	if !validRegionID(region) {
		return "", fmt.Errorf("%s is not a region ID such as cn-hangzhou", envSTSRegion)
	}
	prefix := "sts"
	if strings.EqualFold(getenv(envVPCEndpoint), "true") {
		prefix = "sts-vpc"
	}
	return prefix + "." + region + ".aliyuncs.com", nil
}

// validRegionID keeps the region, which becomes part of a host name, to
// lowercase letters, digits and dashes.
func validRegionID(region string) bool {
	for _, r := range region {
		if r != '-' && (r < 'a' || r > 'z') && (r < '0' || r > '9') {
			return false
		}
	}
	return region != "" && len(region) <= 32
}

// fromECSRole uses the node's ECS RAM role in hardened mode: an IMDSv2 session
// token is required and IMDSv1 is never tried. An empty roleName is
// discovered from the metadata service on each fetch.
func fromECSRole(opts Options, roleName, source string) (*Provider, error) {
	builder := providers.NewECSRAMRoleCredentialsProviderBuilder().
		WithRoleName(roleName).
		WithDisableIMDSv1(true)
	if opts.metadataProxy != "" {
		// credentials-go hard-codes http://100.100.100.200; its HTTP proxy
		// option is the only way to reach a local fake.
		builder = builder.WithHttpOptions(&providers.HttpOptions{Proxy: opts.metadataProxy})
	}
	session, err := builder.Build()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return newSessionProvider(source, "ecs_ram_role", session), nil
}
