// Package objectstore is the Velero ObjectStore plugin on OSS, registered as velero.io/alibabacloud.
package objectstore

import (
	"context"
	"errors"
	"io"
	"runtime/debug"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
)

// Name is the plugin name; `--provider alibabacloud` resolves to it, as for the existing Alibaba plugin.
const Name = "velero.io/alibabacloud"

// Dependencies are what the plugin calls in Init, once it has its config.
type Dependencies struct {
	NewCredentials func(credentials.Options) (oss.CredentialsSource, error)
	NewClient      func(oss.Config) (oss.Client, error)
	Environment    bslconfig.Environment
	// Cluster is the cluster the plugin runs in; with it the vault may be shared by many clusters
	// (shared.go). Nil is Velero's own single-cluster behaviour, for benchmarks to compare against.
	Cluster Cluster
	// Cache is what the plugin process remembers of shared vaults across object stores; nil gives
	// each object store its own.
	Cache *Cache
	// Now is the clock of data locations' CheckedAt; nil is time.Now.
	Now func() time.Time
	// SetMemoryLimit is debug.SetMemoryLimit, for Init to fit the limit to a location's upload
	// buffers (memory_limit.go); nil leaves the limit alone.
	SetMemoryLimit func(int64) int64
}

// DefaultDependencies are the real credentials layer, OSS client and environment.
func DefaultDependencies() Dependencies {
	return Dependencies{
		NewCredentials: func(o credentials.Options) (oss.CredentialsSource, error) { return credentials.New(o) },
		NewClient:      oss.New,
		Environment:    bslconfig.DefaultEnvironment(),
		SetMemoryLimit: debug.SetMemoryLimit,
	}
}

// ObjectStore implements Velero's ObjectStore interface.
type ObjectStore struct {
	log    logrus.FieldLogger
	deps   Dependencies
	drain  drainer
	cfg    bslconfig.Config
	client oss.Client
	shared *sharedVault // nil: a vault of one cluster
}

// New returns an ObjectStore that is usable after Init.
func New(log logrus.FieldLogger, deps Dependencies) *ObjectStore {
	if deps.Cache == nil {
		deps.Cache = NewCache()
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	return &ObjectStore{log: log, deps: deps, drain: defaultDrainer()}
}

// Init validates the location's config and builds the client. Velero calls Init for every use of a
// location, so it makes no call to OSS (availability is checked by the location's validation); only a
// location that names no region asks the ECS metadata service, once per plugin process.
func (o *ObjectStore) Init(config map[string]string) error {
	cfg, err := bslconfig.ParseConfig(config, o.deps.Environment)
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
		SignEndpoint:          cfg.SignEndpoint,
		SignatureVersion:      cfg.SignatureVersion,
		Credentials:           creds,
		Encryption:            oss.Encryption{Algorithm: cfg.Encryption.Algorithm, KMSKeyID: cfg.Encryption.KMSKeyID},
		PartSize:              cfg.PartSize,
		Parallelism:           cfg.Parallelism,
		CACert:                cfg.CACert,
		InsecureSkipTLSVerify: cfg.InsecureSkipTLSVerify,
	})
	if err != nil {
		return err
	}
	o.cfg, o.client = cfg, client
	o.fitMemoryLimit(cfg)
	if o.deps.Cluster != nil {
		o.shared = newSharedVault(o.log, o.deps, cfg, client)
	}
	o.logConfig(creds)
	return nil
}

// logConfig says, once per Init, what the location leaves to the plugin's judgement: a derived region,
// an ignored zone, encryption from the environment.
func (o *ObjectStore) logConfig(creds oss.CredentialsSource) {
	cfg := o.cfg
	log := o.log.WithFields(logrus.Fields{"bucket": cfg.Bucket, "region": cfg.Region})
	switch cfg.RegionSource {
	case bslconfig.RegionFromMetadata:
		log.Warnf("config key %q is not set: using region %s of this node, from %s; set %q to the bucket's region",
			bslconfig.KeyRegion, cfg.Region, cfg.RegionSource, bslconfig.KeyRegion)
	case bslconfig.RegionDefault:
		log.Warnf("config key %q is not set and %s: using region %s, %s; set %q to the bucket's region",
			bslconfig.KeyRegion, cfg.RegionNote, cfg.Region, cfg.RegionSource, bslconfig.KeyRegion)
	}
	if cfg.Zone != "" {
		log.WithField("zone", cfg.Zone).Infof("config key %q is accepted for locations written for the existing Alibaba plugin and ignored: a bucket has no zone", bslconfig.KeyZone)
	}
	if msg := cfg.Encryption.LogMessage(); msg != "" {
		log.Info(msg)
	}
	fields := logrus.Fields{"endpoint": cfg.Endpoint, "signEndpoint": cfg.SignEndpoint, "encryption": cfg.Encryption.Algorithm}
	if s, ok := creds.(interface{ Source() string }); ok {
		fields["credentials"] = s.Source()
	}
	log.WithFields(fields).Debug("alibabacloud object store initialised")
}

func (o *ObjectStore) PutObject(bucket, key string, body io.Reader) error {
	body = chunkedReads{body}
	if o.shared != nil {
		if backup, file, ok := o.shared.index.Layout.ParseVeleroKey(key); ok {
			return o.putShared(bucket, key, backup, file, body)
		}
	}
	return o.put(bucket, key, body)
}

// put is Velero's PutObject on a vault of one cluster.
func (o *ObjectStore) put(bucket, key string, body io.Reader) error {
	err := o.client.PutObject(context.Background(), bucket, key, body)
	if err == nil {
		return nil
	}
	return o.refuseUpload(bucket, key, body, operationFailed(o.cfg, "upload backup files to OSS bucket failed", err))
}

// refuseUpload returns err for an upload that did not happen. Velero's gRPC client is still streaming
// the body; if we return before it reaches the end, it reports a bare "EOF" instead of err. Read the
// rest, within bounds, so users see why.
func (o *ObjectStore) refuseUpload(bucket, key string, body io.Reader, err error) error {
	if d := o.drain.drain(body); !d.complete {
		o.log.WithFields(logrus.Fields{"bucket": bucket, "key": key, "discarded": d.bytes}).WithError(err).
			Errorf("upload failed; stopped reading the rest of Velero's stream at %d MiB or %s, whichever came first, so Velero may report only EOF",
				o.drain.maxBytes>>20, o.drain.maxTime)
	}
	return err
}

func (o *ObjectStore) ObjectExists(bucket, key string) (bool, error) {
	if o.shared != nil {
		if backup, file, ok := o.shared.index.Layout.ParseVeleroKey(key); ok && file == vaultindex.MetadataFile {
			if err := o.checkNameFree(backup); err != nil {
				return false, err
			}
		}
	}
	return o.exists(bucket, key)
}

func (o *ObjectStore) exists(bucket, key string) (bool, error) {
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
	if o.shared != nil && delimiter == "/" && o.shared.index.Layout.IsVeleroBackups(prefix) {
		return o.visibleBackups(prefixes)
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
	if o.shared != nil {
		if backup, file, ok := o.shared.index.Layout.ParseVeleroKey(key); ok {
			return o.deleteShared(bucket, key, backup, file)
		}
	}
	return o.delete(bucket, key)
}

func (o *ObjectStore) delete(bucket, key string) error {
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
	cfg bslconfig.Config
}

func (d *downloadErrors) Read(p []byte) (int, error) {
	n, err := d.rc.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = operationFailed(d.cfg, "download backup files from OSS bucket failed", err)
	}
	return n, err
}

func (d *downloadErrors) Close() error { return d.rc.Close() }
