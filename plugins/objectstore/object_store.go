// Package objectstore is the Velero ObjectStore plugin on OSS, registered as velero.io/alibabacloud.
package objectstore

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
)

// Name is the plugin name; `--provider alibabacloud` resolves to it, as for the existing Alibaba plugin.
const Name = "velero.io/alibabacloud"

// Dependencies are the constructors the plugin calls in Init, once it has its config.
type Dependencies struct {
	NewCredentials func(credentials.Options) (oss.CredentialsSource, error)
	NewClient      func(oss.Config) (oss.Client, error)
}

// DefaultDependencies are the real credentials layer and OSS client.
func DefaultDependencies() Dependencies {
	return Dependencies{
		NewCredentials: func(o credentials.Options) (oss.CredentialsSource, error) { return credentials.New(o) },
		NewClient:      oss.New,
	}
}

// ObjectStore implements Velero's ObjectStore interface.
type ObjectStore struct {
	log    logrus.FieldLogger
	deps   Dependencies
	cfg    Config
	client oss.Client
}

// New returns an ObjectStore that is usable after Init.
func New(log logrus.FieldLogger, deps Dependencies) *ObjectStore {
	return &ObjectStore{log: log, deps: deps}
}

// Init validates the location's config and builds the client. It makes no network call: Velero calls
// Init for every use of a location, and availability is checked by the location's validation instead.
func (o *ObjectStore) Init(config map[string]string) error {
	cfg, err := ParseConfig(config)
	if err != nil {
		return err
	}
	creds, err := o.deps.NewCredentials(credentials.Options{File: cfg.CredentialsFile, NotOnECS: cfg.NotOnECS})
	if err != nil {
		return vaultUnavailable(cfg, err)
	}
	client, err := o.deps.NewClient(oss.Config{
		Region:                cfg.Region,
		Endpoint:              cfg.Endpoint,
		SignatureVersion:      cfg.SignatureVersion,
		Credentials:           creds,
		Encryption:            oss.Encryption{Algorithm: cfg.ServerSideEncryption, KMSKeyID: cfg.KMSKeyID},
		PartSize:              cfg.PartSize,
		Parallelism:           cfg.Parallelism,
		CACert:                cfg.CACert,
		InsecureSkipTLSVerify: cfg.InsecureSkipTLSVerify,
	})
	if err != nil {
		return err
	}
	o.cfg, o.client = cfg, client
	fields := logrus.Fields{"bucket": cfg.Bucket, "region": cfg.Region, "endpoint": cfg.Endpoint}
	if s, ok := creds.(interface{ Source() string }); ok {
		fields["credentials"] = s.Source()
	}
	o.log.WithFields(fields).Debug("alibabacloud object store initialised")
	return nil
}

func (o *ObjectStore) PutObject(bucket, key string, body io.Reader) error {
	if err := o.client.PutObject(context.Background(), bucket, key, body); err != nil {
		// Velero's gRPC client is still streaming the body; if we return before it reaches the end,
		// it reports a bare "EOF" instead of this error. Read the rest so users see why it failed.
		_, _ = io.Copy(io.Discard, body)
		return operationFailed(o.cfg, "upload backup files to OSS bucket failed", err)
	}
	return nil
}

func (o *ObjectStore) ObjectExists(bucket, key string) (bool, error) {
	ok, err := o.client.ObjectExists(context.Background(), bucket, key)
	if err != nil {
		return false, operationFailed(o.cfg, "check backup files in OSS bucket failed", err)
	}
	return ok, nil
}

func (o *ObjectStore) GetObject(bucket, key string) (io.ReadCloser, error) {
	rc, err := o.client.GetObject(context.Background(), bucket, key)
	if err != nil {
		return nil, operationFailed(o.cfg, "download backup files from OSS bucket failed", err)
	}
	return &downloadErrors{rc: rc, cfg: o.cfg}, nil
}

// ListCommonPrefixes is what Velero's location validation calls, so a vault that cannot be used at all
// is reported here in the words users search for.
func (o *ObjectStore) ListCommonPrefixes(bucket, prefix, delimiter string) ([]string, error) {
	prefixes, err := o.client.ListCommonPrefixes(context.Background(), bucket, prefix, delimiter)
	if err != nil {
		return nil, listFailed(o.cfg, err)
	}
	return prefixes, nil
}

func (o *ObjectStore) ListObjects(bucket, prefix string) ([]string, error) {
	keys, err := o.client.ListObjects(context.Background(), bucket, prefix)
	if err != nil {
		return nil, listFailed(o.cfg, err)
	}
	return keys, nil
}

func (o *ObjectStore) DeleteObject(bucket, key string) error {
	if err := o.client.DeleteObject(context.Background(), bucket, key); err != nil {
		return operationFailed(o.cfg, "delete backup files from OSS bucket failed", err)
	}
	return nil
}

func (o *ObjectStore) CreateSignedURL(bucket, key string, ttl time.Duration) (string, error) {
	url, err := o.client.SignedURL(context.Background(), bucket, key, ttl)
	if err != nil {
		return "", operationFailed(o.cfg, "create signed URL for backup files failed", err)
	}
	return url, nil
}

// downloadErrors gives a failure in the middle of a download the same wording as one at its start.
type downloadErrors struct {
	rc  io.ReadCloser
	cfg Config
}

func (d *downloadErrors) Read(p []byte) (int, error) {
	n, err := d.rc.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = operationFailed(d.cfg, "download backup files from OSS bucket failed", err)
	}
	return n, err
}

func (d *downloadErrors) Close() error { return d.rc.Close() }
