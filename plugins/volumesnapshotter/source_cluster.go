package volumesnapshotter

import (
	"context"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
)

// ClusterIdentity names the cluster the plugin runs in (pkg/clusteridentity); kubeclient.Lazy is one.
type ClusterIdentity interface {
	Identity(ctx context.Context) (string, error)
}

// sourceTag is the tag that says which cluster made a snapshot: clusters that share a vault see each
// other's backups, and each may delete them, but only the source's delete removes the snapshots.
func (s *Snapshotter) sourceTag(ctx context.Context) (map[string]string, error) {
	if s.deps.Identity == nil {
		return nil, nil
	}
	me, err := s.deps.Identity.Identity(ctx)
	if err != nil {
		return nil, fmt.Errorf("tag the snapshot with this cluster's identity: %w", err)
	}
	return map[string]string{v1alpha1.SourceClusterKey: me}, nil
}

// skipDelete tells DeleteSnapshot to leave a snapshot another cluster made: a backup deleted in a
// cluster that is not its source goes only from that cluster's view, and its source can still
// restore it. Untagged snapshots (made before clusters shared vaults, or by the old plugin) are
// deleted as before, and so is one already gone (DeleteSnapshot reports it). Without this cluster's
// identity nothing is deleted.
func (s *Snapshotter) skipDelete(ctx context.Context, ref snapshotRef) (bool, error) {
	if s.deps.Identity == nil {
		return false, nil
	}
	me, err := s.deps.Identity.Identity(ctx)
	if err != nil {
		return true, fmt.Errorf("delete snapshot %s: this cluster's identity is unknown, so the snapshot is kept: %w", ref, err)
	}
	snap, err := s.client.DescribeSnapshot(ctx, ref.Region, ref.ID)
	switch {
	case errors.Is(err, cloud.ErrNotFound):
		return false, nil
	case err != nil:
		return true, fmt.Errorf("delete snapshot %s: read the cluster that made it: %w", ref, err)
	}
	source := snap.Tags[v1alpha1.SourceClusterKey]
	if source == "" || source == me {
		return false, nil
	}
	s.log.WithFields(logrus.Fields{"snapshot": ref.String(), "sourceCluster": source, "cluster": me}).
		Infof("snapshot %s was made by cluster %s: kept for it", ref, source)
	return true, nil
}
