package objectstore

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/locationconfig"
)

// Config keys of a BackupStorageLocation. The first block is what the existing open-source Alibaba plugin
// accepts, so its locations work unchanged; the second is what users of the AWS plugin expect.
const (
	keyBucket          = "bucket" // added by Velero
	keyPrefix          = "prefix" // added by Velero
	keyCACert          = "caCert" // added by Velero from spec.objectStorage.caCert (PEM)
	keyRegion          = "region"
	keyNetwork         = "network"
	keyEndpoint        = "endpoint"
	keyNotOnECS        = "notOnECS"
	keyCredentialsFile = "credentialsFile" // added by Velero from spec.credential

	keyServerSideEncryption  = "serverSideEncryption"
	keyKMSKeyID              = "kmsKeyId"
	keyInsecureSkipTLSVerify = "insecureSkipTLSVerify"
	keySignatureVersion      = "signatureVersion"
	keyUploadPartSize        = "uploadPartSize"
	keyUploadParallelism     = "uploadParallelism"
)

var validKeys = []string{
	keyBucket, keyPrefix, keyCACert, keyRegion, keyNetwork, keyEndpoint, keyNotOnECS, keyCredentialsFile,
	keyServerSideEncryption, keyKMSKeyID, keyInsecureSkipTLSVerify, keySignatureVersion,
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
	Bucket, Prefix        string
	Region                string
	Network               string
	Endpoint              string // resolved URL
	NotOnECS              bool
	CredentialsFile       string
	CACert                []byte
	ServerSideEncryption  string
	KMSKeyID              string
	InsecureSkipTLSVerify bool
	SignatureVersion      int
	PartSize              int64 // 0 = client default
	Parallelism           int   // 0 = client default
}

var (
	regionPattern   = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)
	endpointRegion  = regexp.MustCompile(`^oss-([a-z]{2,}(?:-[a-z0-9]+)+?)(?:-internal)?\.aliyuncs\.com$`)
	encryptionNames = []string{"AES256", "KMS", "SM4"}
)

// ParseConfig validates every key of a location's config. Errors name the key and what it accepts.
func ParseConfig(m map[string]string) (Config, error) {
	if err := locationconfig.CheckKeys(m, validKeys); err != nil {
		return Config{}, err
	}
	cfg := Config{
		Bucket: m[keyBucket], Prefix: m[keyPrefix], CredentialsFile: m[keyCredentialsFile],
		CACert: []byte(m[keyCACert]), KMSKeyID: m[keyKMSKeyID],
	}
	if cfg.Bucket == "" {
		return Config{}, fmt.Errorf("config key %q is required: the name of the OSS bucket that is the backup vault", keyBucket)
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
	if err = resolveEndpoint(m, &cfg); err != nil {
		return Config{}, err
	}
	if err = parseEncryption(m, &cfg); err != nil {
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
	return "", fmt.Errorf("config key %q: invalid value %q; valid values are %s", key, v, strings.Join(choices, ", "))
}

func resolveEndpoint(m map[string]string, cfg *Config) error {
	cfg.Region = m[keyRegion]
	if cfg.Region != "" && !regionPattern.MatchString(cfg.Region) {
		return fmt.Errorf("config key %q: %q is not an Alibaba Cloud region ID such as cn-hangzhou", keyRegion, cfg.Region)
	}
	if ep := m[keyEndpoint]; ep != "" {
		if !strings.Contains(ep, "://") {
			ep = "https://" + ep
		}
		u, err := url.Parse(ep)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("config key %q: %q is not an endpoint such as https://oss-cn-hangzhou.aliyuncs.com", keyEndpoint, m[keyEndpoint])
		}
		cfg.Endpoint = u.Scheme + "://" + u.Host
		if cfg.Region == "" {
			if sm := endpointRegion.FindStringSubmatch(u.Hostname()); sm != nil {
				cfg.Region = sm[1]
			}
		}
	}
	if cfg.Region == "" {
		return fmt.Errorf("config key %q is required (the bucket's region, e.g. cn-hangzhou)", keyRegion)
	}
	if cfg.Endpoint != "" {
		return nil
	}
	switch cfg.Network {
	case NetworkInternal:
		cfg.Endpoint = "https://oss-" + cfg.Region + "-internal.aliyuncs.com"
	case NetworkAccelerate:
		cfg.Endpoint = "https://oss-accelerate.aliyuncs.com"
	default:
		cfg.Endpoint = "https://oss-" + cfg.Region + ".aliyuncs.com"
	}
	return nil
}

func parseEncryption(m map[string]string, cfg *Config) error {
	sse, ok := m[keyServerSideEncryption]
	if ok && sse != "" {
		for _, n := range encryptionNames {
			if strings.EqualFold(sse, n) {
				cfg.ServerSideEncryption = n
			}
		}
		if cfg.ServerSideEncryption == "" {
			return fmt.Errorf("config key %q: invalid value %q; valid values are %s",
				keyServerSideEncryption, sse, strings.Join(encryptionNames, ", "))
		}
	}
	if cfg.KMSKeyID == "" {
		return nil
	}
	switch cfg.ServerSideEncryption {
	case "":
		cfg.ServerSideEncryption = "KMS" // a key ID alone means SSE-KMS, as in the AWS plugin
	case "KMS":
	default:
		return fmt.Errorf("config key %q needs %s=KMS (or unset), not %s", keyKMSKeyID, keyServerSideEncryption, cfg.ServerSideEncryption)
	}
	return nil
}

func parseSignatureVersion(v string) (int, error) {
	switch strings.ToLower(v) {
	case "", "4", "v4":
		return 4, nil
	case "1", "v1":
		return 1, nil
	}
	return 0, fmt.Errorf("config key %q: invalid value %q; valid values are v4 (default), v1", keySignatureVersion, v)
}

func parseUploadTuning(m map[string]string, cfg *Config) error {
	if v := m[keyUploadPartSize]; v != "" {
		q, err := resource.ParseQuantity(v)
		if err != nil || q.Value() < minPartSize || q.Value() > maxPartSize {
			return fmt.Errorf("config key %q: invalid value %q; use a size from 100Ki to 5Gi such as 16Mi", keyUploadPartSize, v)
		}
		cfg.PartSize = q.Value()
	}
	if v := m[keyUploadParallelism]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxParallelism {
			return fmt.Errorf("config key %q: invalid value %q; use a whole number from 1 to %d", keyUploadParallelism, v, maxParallelism)
		}
		cfg.Parallelism = n
	}
	return nil
}
