// Package oss is the OSS boundary: the operations the Velero ObjectStore needs, in domain terms, on top
// of the alibabacloud-oss-go-sdk-v2. No SDK type crosses this package's API.
package oss

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	ossdk "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	osscreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/transport"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
)

// Client is what a backup vault needs from OSS.
type Client interface {
	// PutObject streams body of unknown length to bucket/key: one PUT for small bodies, parallel
	// multipart for large ones, CRC-64 checked, and no multipart upload left behind on failure.
	PutObject(ctx context.Context, bucket, key string, body io.Reader) error
	// GetObject streams bucket/key; the reader fails at EOF if the bytes do not match the stored CRC-64.
	GetObject(ctx context.Context, bucket, key string) (io.ReadCloser, error)
	// ObjectExists reports false, nil for a missing key.
	ObjectExists(ctx context.Context, bucket, key string) (bool, error)
	// ListObjects returns every key under prefix.
	ListObjects(ctx context.Context, bucket, prefix string) ([]string, error)
	// ListObjectInfos returns every object under prefix with the time OSS last wrote it.
	ListObjectInfos(ctx context.Context, bucket, prefix string) ([]ObjectInfo, error)
	// CreateObject writes a small object only if key does not exist yet; an existing key fails with
	// an error that errors.Is cloud.ErrAlreadyExists, and is left as it was.
	CreateObject(ctx context.Context, bucket, key string, data []byte) error
	// ListCommonPrefixes returns the "directories" under prefix up to the next delimiter.
	ListCommonPrefixes(ctx context.Context, bucket, prefix, delimiter string) ([]string, error)
	// DeleteObject succeeds for a key that is already gone.
	DeleteObject(ctx context.Context, bucket, key string) error
	// SignedURL returns a URL a plain HTTP GET can fetch until ttl passes.
	SignedURL(ctx context.Context, bucket, key string, ttl time.Duration) (string, error)
}

// ObjectInfo is a listed object. LastModified is the server's clock, to the second, so times written
// by different clients compare without trusting their clocks.
type ObjectInfo struct {
	Key          string
	LastModified time.Time
}

// CredentialsSource hands out current credentials; *credentials.Provider is one.
type CredentialsSource interface {
	Credentials(ctx context.Context) (credentials.Credentials, error)
}

// Encryption is server-side encryption applied to every object written.
type Encryption struct {
	Algorithm string // "", "AES256", "KMS" or "SM4"
	KMSKeyID  string // only with KMS
}

// Config is everything New needs; the plugin builds it from a location's config.
type Config struct {
	Region   string
	Endpoint string // full URL, e.g. https://oss-cn-hangzhou-internal.aliyuncs.com
	// SignEndpoint is the full URL signed URLs name, for clients elsewhere than this one (the velero
	// CLI on a workstation); "" means Endpoint.
	SignEndpoint     string
	SignatureVersion int // 1 or 4
	Credentials      CredentialsSource
	Encryption       Encryption
	// PartSize and Parallelism shape multipart uploads: at most Parallelism+1 buffers of PartSize are
	// in use per upload (one per part in flight and the one being read), and up to that many are kept
	// between uploads for the next one.
	PartSize    int64
	Parallelism int
	// CACert (PEM) is trusted in addition to the system roots.
	CACert                []byte
	InsecureSkipTLSVerify bool
	// RetryMaxAttempts bounds the SDK's retries of 5xx, throttling and network errors per request.
	RetryMaxAttempts int
	// OpTimeout bounds each metadata call (head, list page, delete, presign). Data transfers are
	// bounded by IdleTimeout instead, because a backup tarball's size is unknown.
	OpTimeout   time.Duration
	IdleTimeout time.Duration
}

// Defaults a Config falls back to.
const (
	// 8 parts of 8 MiB in flight: far away, where one connection gets a fraction of the link, eight
	// fill it (about 8× one stream); on loopback they keep both sides of a small machine busy; and
	// the buffers, (8+1) × 8 MiB, stay well inside a plugin's memory. Objects of up to 10,000 parts
	// (78 GiB) fit; a location that writes larger ones sets uploadPartSize.
	DefaultPartSize         = 8 << 20
	DefaultParallelism      = 8
	DefaultRetryMaxAttempts = 5
	DefaultOpTimeout        = 2 * time.Minute
	DefaultIdleTimeout      = time.Minute
	// listPageSize is OSS's maximum keys per ListObjectsV2 page.
	listPageSize = 1000
)

type client struct {
	sdk         *ossdk.Client
	signer      *ossdk.Client // signs URLs for SignEndpoint; it sends nothing
	enc         Encryption
	partSize    int64
	parallelism int
	parts       *partBuffers
	opTimeout   time.Duration
	idleTimeout time.Duration
}

var _ Client = (*client)(nil)

// New builds a Client; it makes no network call, so it is cheap to call from a plugin's Init.
func New(cfg Config) (Client, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("oss client: no credentials source")
	}
	cfg = withDefaults(cfg)
	httpClient, err := newHTTPClient(cfg)
	if err != nil {
		return nil, err
	}
	sdkConfig := func(endpoint string) *ossdk.Config {
		c := ossdk.LoadDefaultConfig().
			WithRegion(cfg.Region).
			WithEndpoint(endpoint).
			WithCredentialsProvider(credentialsAdapter{cfg.Credentials}).
			WithRetryMaxAttempts(cfg.RetryMaxAttempts).
			WithHttpClient(httpClient)
		if cfg.SignatureVersion == 1 {
			c = c.WithSignatureVersion(ossdk.SignatureVersionV1)
		}
		return c
	}
	sdk := ossdk.NewClient(sdkConfig(cfg.Endpoint))
	signer := sdk
	if cfg.SignEndpoint != "" && cfg.SignEndpoint != cfg.Endpoint {
		signer = ossdk.NewClient(sdkConfig(cfg.SignEndpoint))
	}
	return &client{
		sdk:         sdk,
		signer:      signer,
		enc:         cfg.Encryption,
		partSize:    cfg.PartSize,
		parallelism: cfg.Parallelism,
		parts:       newPartBuffers(cfg.PartSize, cfg.Parallelism+1),
		opTimeout:   cfg.OpTimeout,
		idleTimeout: cfg.IdleTimeout,
	}, nil
}

func withDefaults(cfg Config) Config {
	if cfg.PartSize <= 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.Parallelism <= 0 {
		cfg.Parallelism = DefaultParallelism
	}
	if cfg.RetryMaxAttempts <= 0 {
		cfg.RetryMaxAttempts = DefaultRetryMaxAttempts
	}
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = DefaultOpTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	return cfg
}

// newHTTPClient keeps the SDK's transport (its per-read/write idle deadlines) and adds our TLS trust.
func newHTTPClient(cfg Config) (*http.Client, error) {
	idle := cfg.IdleTimeout
	var roots *x509.CertPool
	if len(cfg.CACert) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(cfg.CACert) {
			return nil, errors.New("oss client: caCert holds no PEM certificate")
		}
		roots = pool
	}
	return transport.NewHttpClient(&transport.Config{ReadWriteTimeout: &idle}, func(t *http.Transport) {
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		t.TLSClientConfig.RootCAs = roots
		t.TLSClientConfig.InsecureSkipVerify = cfg.InsecureSkipTLSVerify //nolint:gosec // the user's explicit choice
		// Proxies come from the standard variables, as for every other Go program in the pod.
		t.Proxy = http.ProxyFromEnvironment
		// Keep a connection per part in flight: one closed after each part would cost a new
		// connection (a round trip far away, and TCP's slow start again) for the next.
		t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, cfg.Parallelism+2)
	}), nil
}

// credentialsAdapter lets the SDK ask our credentials layer, which caches and refreshes.
type credentialsAdapter struct{ src CredentialsSource }

func (a credentialsAdapter) GetCredentials(ctx context.Context) (osscreds.Credentials, error) {
	c, err := a.src.Credentials(ctx)
	if err != nil {
		return osscreds.Credentials{}, fmt.Errorf("get credentials: %w", err)
	}
	out := osscreds.Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}
	if !c.Expiration.IsZero() {
		exp := c.Expiration
		out.Expires = &exp
	}
	return out, nil
}

func (c *client) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opTimeout)
}

func (c *client) ObjectExists(ctx context.Context, bucket, key string) (bool, error) {
	ctx, cancel := c.opContext(ctx)
	defer cancel()
	ok, err := c.sdk.IsObjectExist(ctx, bucket, key)
	if err != nil {
		return false, classify("HeadObject", bucket+"/"+key, err)
	}
	return ok, nil
}

func (c *client) DeleteObject(ctx context.Context, bucket, key string) error {
	ctx, cancel := c.opContext(ctx)
	defer cancel()
	_, err := c.sdk.DeleteObject(ctx, &ossdk.DeleteObjectRequest{Bucket: &bucket, Key: &key})
	if err == nil {
		return nil
	}
	cerr := classify("DeleteObject", bucket+"/"+key, err)
	// A key that is already gone is what the caller wanted; a missing bucket is not.
	if isCode(cerr, "NoSuchKey") {
		return nil
	}
	return cerr
}

func (c *client) SignedURL(ctx context.Context, bucket, key string, ttl time.Duration) (string, error) {
	ctx, cancel := c.opContext(ctx)
	defer cancel()
	res, err := c.signer.Presign(ctx, &ossdk.GetObjectRequest{Bucket: &bucket, Key: &key}, ossdk.PresignExpires(ttl))
	if err != nil {
		return "", classify("PresignGetObject", bucket+"/"+key, err)
	}
	return res.URL, nil
}
