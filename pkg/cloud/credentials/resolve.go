package credentials

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata"
)

// Environment variables read (through Options.Getenv) besides the file keys.
const (
	// envCredentialsFile is where `velero install` points at the mounted
	// secret (/credentials/cloud). credentials-go reads the same variable as
	// an INI profile, which is why New never uses credentials-go's default
	// chain.
	envCredentialsFile = "ALIBABA_CLOUD_CREDENTIALS_FILE"
	envECSRoleName     = "ALIBABA_CLOUD_ECS_METADATA"
)

// ErrNoCredentials is wrapped by New's error when no source is configured.
var ErrNoCredentials = errors.New("no Alibaba Cloud credentials")

// Options says where New may look for credentials.
type Options struct {
	File     string              // Velero's credentialsFile for this location ("" = none)
	NotOnECS bool                // disable the ECS metadata service
	Getenv   func(string) string // nil = os.Getenv

	// Test hooks; production code leaves them empty.
	metadataProxy string // HTTP proxy through which metadata-service requests go
	stsEndpoint   string // host[:port] of STS instead of the one derived from the environment
	settle        func() // waits before a credentials file found empty is read again; nil sleeps settlePause
}

// New picks the first configured source, in this order:
//
//  1. opts.File: access keys (static), else ALIBABA_CLOUD_RAM_ROLE (that ECS RAM role);
//  2. the file named by ALIBABA_CLOUD_CREDENTIALS_FILE, read the same way;
//  3. ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN);
//  4. RRSA: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE;
//  5. unless opts.NotOnECS, the node's ECS RAM role from the metadata service
//     (IMDSv2 only).
//
// A source that is configured but broken (unreadable file, half a key pair,
// partial RRSA variables) is an error, not a reason to try the next one: the
// next one would be a surprise. New does no network I/O; the first call to
// Provider.Credentials does.
func New(opts Options) (*Provider, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	metadataAllowed := !opts.NotOnECS && !metadata.Disabled(getenv)

	if opts.File != "" {
		return fromFile(opts, "credentialsFile", opts.File, metadataAllowed)
	}
	if path := getenv(envCredentialsFile); path != "" {
		return fromFile(opts, envCredentialsFile, path, metadataAllowed)
	}
	if p, err := fromEnvKeys(getenv); p != nil || err != nil {
		return p, err
	}
	if p, err := fromRRSA(opts, getenv); p != nil || err != nil {
		return p, err
	}
	if metadataAllowed {
		return fromMetadataService(opts, getenv(envECSRoleName))
	}
	return nil, fmt.Errorf("%w: set credentialsFile in the location's config, or %s, or %s and %s, "+
		"or RRSA (%s, %s, %s), or run on ECS without notOnECS",
		ErrNoCredentials, envCredentialsFile, keyAccessKeyID, keyAccessKeySecret, envRoleARN, envOIDCProviderARN, envOIDCTokenFile)
}

// Reading a credentials file that is being rewritten: velero server writes a location's secret to its
// file again (truncate, then write) each time one of its controllers resolves the location, so a plugin
// initialised at that moment can read it empty.
const (
	settleAttempts = 10
	settlePause    = 50 * time.Millisecond
)

// fromFile reads a dotenv credentials file; setting names where its path
// came from, for errors.
func fromFile(opts Options, setting, path string, metadataAllowed bool) (*Provider, error) {
	var data []byte
	var err error
	for attempt := 1; ; attempt++ {
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("read credentials file from %s: %w", setting, err)
		}
		if len(bytes.TrimSpace(data)) > 0 || attempt == settleAttempts {
			break
		}
		if opts.settle != nil {
			opts.settle()
		} else {
			time.Sleep(settlePause)
		}
	}
	f, err := ParseFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", setting, path, err)
	}
	source := "credentials file " + path
	switch {
	case f.HasKeys():
		kind := " (access key)"
		if f.SecurityToken != "" {
			kind = " (access key, STS token)"
		}
		return newStaticProvider(source+kind, Credentials{
			AccessKeyID: f.AccessKeyID, AccessKeySecret: f.AccessKeySecret, SecurityToken: f.SecurityToken,
		}), nil
	case f.RAMRole != "" && !metadataAllowed:
		return nil, fmt.Errorf("%s %s: sets %s, but the ECS metadata service is disabled (notOnECS or %s)",
			setting, path, keyRAMRole, metadata.EnvDisabled)
	case f.RAMRole != "":
		return fromECSRole(opts, f.RAMRole, source+" (ECS RAM role "+f.RAMRole+")")
	default:
		return nil, fmt.Errorf("%s %s: sets neither %s and %s nor %s",
			setting, path, keyAccessKeyID, keyAccessKeySecret, keyRAMRole)
	}
}

// fromEnvKeys returns nil, nil when no key variable is set at all.
func fromEnvKeys(getenv func(string) string) (*Provider, error) {
	id, secret, token := getenv(keyAccessKeyID), getenv(keyAccessKeySecret), getenv(keySecurityToken)
	if id == "" && secret == "" && token == "" {
		return nil, nil
	}
	if err := checkKeyPair("the environment", id, secret, token, keySecurityToken); err != nil {
		return nil, err
	}
	return newStaticProvider("environment (access key)", Credentials{
		AccessKeyID: id, AccessKeySecret: secret, SecurityToken: token,
	}), nil
}

// fromMetadataService is the last resort: the node's own RAM role, named by
// ALIBABA_CLOUD_ECS_METADATA (credentials-go's convention) or discovered.
func fromMetadataService(opts Options, roleName string) (*Provider, error) {
	if roleName == "" {
		return fromECSRole(opts, "", "ECS RAM role (metadata service)")
	}
	if !validRAMRoleName(roleName) {
		return nil, fmt.Errorf("%s is not a RAM role name", envECSRoleName)
	}
	return fromECSRole(opts, roleName, "ECS RAM role "+roleName+" (metadata service)")
}
