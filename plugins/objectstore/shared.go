package objectstore

import (
	"context"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/vaultindex"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
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

func newSharedVault(log logrus.FieldLogger, deps Dependencies, cfg bslconfig.Config, client oss.Client) *sharedVault {
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
