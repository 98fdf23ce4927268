// Package bslconfig reads and validates a BackupStorageLocation's config, with what the plugin's
// environment adds to it (a region, a KMS key). It is apart from the object store so that its fuzz
// target, and the end-to-end checks of installed locations, compile no cloud SDK and no Velero.
package bslconfig

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/locationconfig"
)

// Config keys of a BackupStorageLocation. The first block is what the existing open-source Alibaba plugin
// accepts, so its locations work unchanged; the second is what users of the AWS plugin expect.
const (
	keyBucket          = "bucket" // added by Velero
	keyPrefix          = "prefix" // added by Velero
	keyCACert          = "caCert" // added by Velero from spec.objectStorage.caCert (PEM)
	KeyRegion          = "region"
	KeyZone            = "zone" // the existing plugin takes one key list for both location kinds
	keyNetwork         = "network"
	keyEndpoint        = "endpoint"
	keyNotOnECS        = "notOnECS"
	keyCredentialsFile = "credentialsFile" // added by Velero from spec.credential

	keyPublicEndpoint        = "publicEndpoint"
	keyServerSideEncryption  = "serverSideEncryption"
	keyKMSKeyID              = "kmsKeyId"
	keyInsecureSkipTLSVerify = "insecureSkipTLSVerify"
	keySignatureVersion      = "signatureVersion"
	keyUploadPartSize        = "uploadPartSize"
	keyUploadParallelism     = "uploadParallelism"
)

var validKeys = []string{
	keyBucket, keyPrefix, keyCACert, KeyRegion, KeyZone, keyNetwork, keyEndpoint, keyNotOnECS, keyCredentialsFile,
	keyPublicEndpoint, keyServerSideEncryption, keyKMSKeyID, keyInsecureSkipTLSVerify, keySignatureVersion,
	keyUploadPartSize, keyUploadParallelism,
}

// Network choices for the default endpoint.
const (
	NetworkPublic     = "public"
	NetworkInternal   = "internal"
	NetworkAccelerate = "accelerate"
)

// Limits OSS puts on multipart uploads.
const (
	minPartSize    = 100 << 10
	maxPartSize    = 5 << 30
	maxParallelism = 64
)

// Config is a validated BackupStorageLocation config.
type Config struct {
	Bucket, Prefix string
	Region         string
	RegionSource   RegionSource
	RegionNote     string // why the ECS metadata service gave no region, for the warning
	// Zone is accepted because the existing plugin's locations may carry one; a bucket has no zone.
	Zone     string
	Network  string
	Endpoint string // resolved URL that data goes to
	// SignEndpoint is the resolved URL that signed URLs name: they are fetched by the velero CLI on a
	// workstation, which cannot reach the in-region VPC endpoint.
	SignEndpoint          string
	NotOnECS              bool
	CredentialsFile       string
	CACert                []byte
	Encryption            Encryption
	InsecureSkipTLSVerify bool
	SignatureVersion      int
	PartSize              int64 // 0 = client default
	Parallelism           int   // 0 = client default
}

// ParseConfig validates every key of a location's config. Errors name the key and what it accepts. What
// the keys leave open comes from env: a region when neither region nor endpoint gives one, and the KMS
// key of ALIBABA_CLOUD_ENCRYPTION_KEY_ID, as the existing plugin took them.
func ParseConfig(m map[string]string, env Environment) (Config, error) {
	if err := locationconfig.CheckKeys(m, validKeys); err != nil {
		return Config{}, err
	}
	cfg := Config{
		Bucket: m[keyBucket], Prefix: m[keyPrefix], CredentialsFile: m[keyCredentialsFile],
		CACert: []byte(m[keyCACert]), Zone: m[KeyZone],
	}
	if cfg.Bucket == "" {
		return Config{}, fmt.Errorf("config key %q is required: the name of the OSS bucket that is the backup vault", keyBucket)
	}
	if cfg.Zone != "" && !alibaba.ValidRegion(cfg.Zone) {
		return Config{}, fmt.Errorf("config key %q: %s is not an Alibaba Cloud zone ID such as cn-hangzhou-h",
			KeyZone, locationconfig.Quote(cfg.Zone))
	}
	var err error
	if cfg.NotOnECS, err = locationconfig.Bool(m, keyNotOnECS, false); err != nil {
		return Config{}, err
	}
	if cfg.InsecureSkipTLSVerify, err = locationconfig.Bool(m, keyInsecureSkipTLSVerify, false); err != nil {
		return Config{}, err
	}
	if cfg.Network, err = oneOf(m, keyNetwork, NetworkPublic, NetworkPublic, NetworkInternal, NetworkAccelerate); err != nil {
		return Config{}, err
	}
	if err = resolveEndpoints(m, env, &cfg); err != nil {
		return Config{}, err
	}
	if cfg.Encryption, err = parseEncryption(m, env); err != nil {
		return Config{}, err
	}
	if cfg.SignatureVersion, err = parseSignatureVersion(m[keySignatureVersion]); err != nil {
		return Config{}, err
	}
	if err = parseUploadTuning(m, &cfg); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// oneOf returns m[key], or def when unset, and refuses anything outside choices.
func oneOf(m map[string]string, key, def string, choices ...string) (string, error) {
	v, ok := m[key]
	if !ok || v == "" {
		return def, nil
	}
	for _, c := range choices {
		if v == c {
			return v, nil
		}
	}
	return "", fmt.Errorf("config key %q: invalid value %s; valid values are %s", key, locationconfig.Quote(v), strings.Join(choices, ", "))
}

func parseSignatureVersion(v string) (int, error) {
	switch strings.ToLower(v) {
	case "", "4", "v4":
		return 4, nil
	case "1", "v1":
		return 1, nil
	}
	return 0, fmt.Errorf("config key %q: invalid value %s; valid values are v4 (default), v1", keySignatureVersion, locationconfig.Quote(v))
}

func parseUploadTuning(m map[string]string, cfg *Config) error {
	if v := m[keyUploadPartSize]; v != "" {
		q, err := resource.ParseQuantity(v)
		if err != nil || q.Value() < minPartSize || q.Value() > maxPartSize {
			return fmt.Errorf("config key %q: invalid value %s; use a size from 100Ki to 5Gi such as 16Mi", keyUploadPartSize, locationconfig.Quote(v))
		}
		cfg.PartSize = q.Value()
	}
	if v := m[keyUploadParallelism]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxParallelism {
			return fmt.Errorf("config key %q: invalid value %s; use a whole number from 1 to %d", keyUploadParallelism, locationconfig.Quote(v), maxParallelism)
		}
		cfg.Parallelism = n
	}
	return nil
}
