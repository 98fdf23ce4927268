package objectstore

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
)

// A vault shared by many clusters (ACK Backup Center's rules, kept in pkg/vaultindex): every backup
// names its source cluster; other clusters see it only once Completed; a non-source cluster's delete
// hides it from that cluster and keeps every object; a name another cluster holds is refused. The
// object store does this because Velero calls it for every read and write of the vault in every
// cluster, so no other component is needed.

// nameTakenMessage is ACK Backup Center's wording for a backup whose name the vault already holds.
const nameTakenMessage = "backup already exists in OSS bucket"

// vaultOpTimeout bounds the index and cluster calls one Velero call makes; each OSS request has its
// own, shorter bound besides.
const vaultOpTimeout = 5 * time.Minute

// sharedVault is what an object store knows of the shared vault behind its location.
type sharedVault struct {
	log     logrus.FieldLogger
	cluster Cluster
	client  oss.Client
	index   vaultindex.Vault
	cache   *Cache
	bucket  string
	region  string // for snapshot IDs written without one (the existing plugin's)
	now     func() time.Time
	// metadataLimit is the largest velero-backup.json the plugin annotates (maxMetadataBytes).
	metadataLimit int64
}

func newSharedVault(log logrus.FieldLogger, deps Dependencies, cfg Config, client oss.Client) *sharedVault {
	return &sharedVault{
		log:     log.WithField("bucket", cfg.Bucket),
		cluster: deps.Cluster,
		client:  client,
		index:   vaultindex.Vault{Store: bucketStore{client: client, bucket: cfg.Bucket}, Layout: vaultindex.NewLayout(cfg.Prefix)},
		cache:   deps.Cache,
		bucket:  cfg.Bucket,
		region:  cfg.Region,
		now:     deps.Now,

		metadataLimit: maxMetadataBytes,
	}
}

// identity is this cluster's identity, checked to be usable in keys.
func (v *sharedVault) identity(ctx context.Context) (string, error) {
	me, err := v.cluster.Identity(ctx)
	if err == nil {
		err = vaultindex.CheckIdentity(me)
	}
	if err != nil {
		return "", fmt.Errorf("this cluster's identity is unknown, and a vault shared by clusters needs it to tell this cluster's backups from others': %w", err)
	}
	return me, nil
}

// owner is the cluster holding the backup's name, "" for none; a holder is remembered for the process.
func (v *sharedVault) owner(ctx context.Context, backup string) (string, error) {
	key := v.bucket + "/" + v.index.Layout.Claim(backup)
	if owner, ok := v.cache.owner(key); ok {
		return owner, nil
	}
	owner, err := v.index.Owner(ctx, backup)
	if err == nil && owner != "" {
		v.cache.setOwner(key, owner)
	}
	return owner, err
}

// claim takes the backup's name for me unless another cluster holds it; it returns the holder.
func (v *sharedVault) claim(ctx context.Context, backup, me string) (string, error) {
	key := v.bucket + "/" + v.index.Layout.Claim(backup)
	if owner, ok := v.cache.owner(key); ok {
		return owner, nil
	}
	owner, err := v.index.Claim(ctx, backup, me)
	if err == nil {
		v.cache.setOwner(key, owner)
	}
	return owner, err
}

func nameTaken(backup, owner string) error {
	return fmt.Errorf("%s: backup %q was made by cluster %s", nameTakenMessage, backup, owner)
}

// Cache is what one plugin process remembers of shared vaults: the holders of backup names (a claim
// never changes hands while its backup exists) and the tombstones it has written. Velero starts a
// plugin process per reconcile, so this saves requests within one backup, sync or deletion.
type Cache struct {
	mu         sync.Mutex
	owners     map[string]string
	tombstones map[string]bool
}

// NewCache returns an empty cache; the plugin binary makes one for all its object stores.
func NewCache() *Cache {
	return &Cache{owners: map[string]string{}, tombstones: map[string]bool{}}
}

func (c *Cache) owner(key string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.owners[key]
	return o, ok
}

func (c *Cache) setOwner(key, owner string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.owners[key] = owner
}

func (c *Cache) forgetOwner(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.owners, key)
}

// firstTombstone reports whether key is new to this process, and remembers it.
func (c *Cache) firstTombstone(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tombstones[key] {
		return false
	}
	c.tombstones[key] = true
	return true
}

func (c *Cache) unmarkTombstone(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.tombstones, key)
}

// bucketStore is the index's view of the location's bucket.
type bucketStore struct {
	client oss.Client
	bucket string
}

// maxIndexObject bounds what a read of the index takes in: a claim is an identity.
const maxIndexObject = 4 << 10

func (s bucketStore) List(ctx context.Context, prefix string) ([]vaultindex.Object, error) {
	infos, err := s.client.ListObjectInfos(ctx, s.bucket, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]vaultindex.Object, len(infos))
	for i, info := range infos {
		out[i] = vaultindex.Object{Key: info.Key, LastModified: info.LastModified}
	}
	return out, nil
}

func (s bucketStore) Create(ctx context.Context, key string, data []byte) error {
	return s.client.CreateObject(ctx, s.bucket, key, data)
}

func (s bucketStore) Get(ctx context.Context, key string) ([]byte, error) {
	return readSmall(ctx, s.client, s.bucket, key, maxIndexObject)
}

func (s bucketStore) Delete(ctx context.Context, key string) error {
	return s.client.DeleteObject(ctx, s.bucket, key)
}

// readSmall reads an object of at most limit bytes; a larger one is an error, not a truncation.
func readSmall(ctx context.Context, client oss.Client, bucket, key string, limit int64) ([]byte, error) {
	rc, err := client.GetObject(ctx, bucket, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s/%s: larger than the %d bytes expected", bucket, key, limit)
	}
	return data, nil
}
