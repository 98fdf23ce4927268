package volumesnapshotter

import (
	"context"
	"errors"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

const (
	clusterA = "uid-cluster-a"
	clusterB = "uid-cluster-b"
)

// fixedIdentity is a cluster whose identity is known.
type fixedIdentity string

func (i fixedIdentity) Identity(context.Context) (string, error) { return string(i), nil }

// unknownIdentity is a cluster whose API server does not answer.
type unknownIdentity struct{}

func (unknownIdentity) Identity(context.Context) (string, error) {
	return "", errors.New("read namespace kube-system for the cluster's identity: connection refused")
}

func TestCreateSnapshotTagsItsSourceCluster(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	d := essdDisk()
	for i := range 30 {
		d.Tags[string(rune('a'+i%26))+string(rune('0'+i/26))] = "v"
	}
	disk := h.ecs.addDisk(d)
	velero := map[string]string{"velero.io/backup": "b", "velero.io/pv": "p", v1alpha1.SourceClusterKey: "forged-by-a-label"}
	for i := range 30 {
		velero["label-"+string(rune('a'+i%26))+string(rune('0'+i/26))] = "v"
	}

	_, err := h.CreateSnapshot(disk.ID, "", velero)
	require.NoError(t, err)
	tags := h.ecs.lastSnapshot.Tags
	assert.Len(t, tags, maxTags)
	assert.Equal(t, clusterA, tags[v1alpha1.SourceClusterKey], "the tag survives the 20-tag limit and no backup label replaces it")
}

func TestCreateSnapshotWithoutTheClusterIdentityMakesNone(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	h.deps.Identity = unknownIdentity{}
	disk := h.ecs.addDisk(essdDisk())
	_, err := h.CreateSnapshot(disk.ID, "", map[string]string{"velero.io/backup": "b"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "create snapshot of disk d-essd1: tag the snapshot with this cluster's identity")
	assert.Empty(t, h.ecs.snapshots, "an untagged snapshot could be deleted by any cluster")
}

func TestDeleteSnapshotKeepsOtherClustersSnapshots(t *testing.T) {
	const id = "s-shared1"
	tests := []struct {
		name     string
		identity ClusterIdentity
		// tags of the snapshot; nil is no snapshot at all.
		tags        map[string]string
		describeErr error
		wantDeleted bool
		wantErr     string
		wantInfo    string
	}{
		{name: "made here: deleted", identity: fixedIdentity(clusterA),
			tags: map[string]string{v1alpha1.SourceClusterKey: clusterA}, wantDeleted: true, wantInfo: "snapshot deleted"},
		{name: "made by another cluster: kept for it", identity: fixedIdentity(clusterB),
			tags:     map[string]string{v1alpha1.SourceClusterKey: clusterA},
			wantInfo: "snapshot cn-hangzhou/s-shared1 was made by cluster " + clusterA + ": kept for it"},
		{name: "untagged (the old plugin's): deleted as before", identity: fixedIdentity(clusterB),
			tags: map[string]string{"velero.io/backup": "b"}, wantDeleted: true, wantInfo: "snapshot deleted"},
		{name: "gone already: success as before", identity: fixedIdentity(clusterB), wantDeleted: true,
			wantInfo: "snapshot already deleted"},
		{name: "this cluster's identity unknown: nothing deleted", identity: unknownIdentity{},
			tags:    map[string]string{v1alpha1.SourceClusterKey: clusterA},
			wantErr: "delete snapshot cn-hangzhou/s-shared1: this cluster's identity is unknown, so the snapshot is kept: read namespace kube-system"},
		{name: "source unreadable: nothing deleted", identity: fixedIdentity(clusterA),
			tags:        map[string]string{v1alpha1.SourceClusterKey: clusterA},
			describeErr: &cloud.Error{Service: "ecs", Operation: "DescribeSnapshots", Kind: cloud.ErrThrottled},
			wantErr:     "delete snapshot cn-hangzhou/s-shared1: read the cluster that made it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newSnapshotter(t, nil, nil)
			log, hook := logtest.NewNullLogger()
			h.log, h.deps.Identity = log, tt.identity
			if tt.tags != nil {
				h.ecs.snapshots[id] = &ecs.Snapshot{ID: id, Region: "cn-hangzhou", Status: ecs.SnapshotAccomplished, Tags: tt.tags}
			}
			if tt.describeErr != nil {
				h.ecs.failNext["DescribeSnapshot"] = tt.describeErr
			}

			err := h.DeleteSnapshot("cn-hangzhou/" + id)

			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			_, exists := h.ecs.snapshots[id]
			assert.Equal(t, tt.wantDeleted, !exists)
			if !tt.wantDeleted {
				assert.Zero(t, h.ecs.calls["DeleteSnapshot"], "not even asked")
			}
			if tt.wantInfo != "" {
				require.NotNil(t, hook.LastEntry())
				assert.Equal(t, logrus.InfoLevel, hook.LastEntry().Level)
				assert.Equal(t, tt.wantInfo, hook.LastEntry().Message)
			}
		})
	}
}

// A plugin built without an identity (benchmarks) shares nothing: no tag, every snapshot deleted.
func TestWithoutAnIdentitySnapshotsAreNeitherTaggedNorKept(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	h.deps.Identity = nil
	disk := h.ecs.addDisk(essdDisk())
	id, err := h.CreateSnapshot(disk.ID, "", map[string]string{"velero.io/backup": "b"})
	require.NoError(t, err)
	assert.NotContains(t, h.ecs.lastSnapshot.Tags, v1alpha1.SourceClusterKey)

	for _, s := range h.ecs.snapshots {
		s.Tags[v1alpha1.SourceClusterKey] = clusterB
	}
	require.NoError(t, h.DeleteSnapshot(id))
	assert.Empty(t, h.ecs.snapshots)
	assert.Zero(t, h.ecs.calls["DescribeSnapshot"])
}
