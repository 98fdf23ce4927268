package volumesnapshotter_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/clock"

	emuecs "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// identity is a cluster whose identity is known.
type identity string

func (i identity) Identity(context.Context) (string, error) { return string(i), nil }

// Two clusters share a vault and so each other's backups: only the snapshot's source deletes it. The
// real ECS client on the emulator reads the tag back, so the tag is what ECS keeps, not what we sent.
func TestOnlyTheSourceClusterDeletesItsSnapshots(t *testing.T) {
	srv := newEmulator(t)
	diskID := addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
		PerformanceLevel: "PL1", SizeGiB: 20, Status: "In_use"})
	a := newPluginWith(t, srv, "region=cn-hangzhou", clock.RealClock{}, identity("uid-a"), io.Discard)
	var bLog bytes.Buffer
	b := newPluginWith(t, srv, "region=cn-hangzhou", clock.RealClock{}, identity("uid-b"), &bLog)

	id, _, _ := snapshot(t, a, diskID)
	snaps := srv.ECS().State().Snapshots
	require.Len(t, snaps, 1)
	assert.Contains(t, snaps[0].Tags, emuecs.Tag{Key: v1alpha1.SourceClusterKey, Value: "uid-a"})

	require.NoError(t, b.DeleteSnapshot(id), "the backup goes from B's view; its snapshot is no error")
	assert.Len(t, srv.ECS().State().Snapshots, 1, "A's snapshot is kept for A")
	assert.Contains(t, bLog.String(), "snapshot "+id+" was made by cluster uid-a: kept for it")

	require.NoError(t, a.DeleteSnapshot(id))
	assert.Empty(t, srv.ECS().State().Snapshots, "the source deletes it")
}

// Snapshots of the old plugin carry no source: any cluster deletes them, as before.
func TestUntaggedSnapshotsAreDeletedByAnyCluster(t *testing.T) {
	srv := newEmulator(t)
	diskID := addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
		PerformanceLevel: "PL1", SizeGiB: 20, Status: "In_use"})
	legacy := newPluginWith(t, srv, "region=cn-hangzhou", clock.RealClock{}, nil, io.Discard)
	id, _, _ := snapshot(t, legacy, diskID)
	for _, tag := range srv.ECS().State().Snapshots[0].Tags {
		require.NotEqual(t, v1alpha1.SourceClusterKey, tag.Key)
	}

	require.NoError(t, newPlugin(t, srv, "region=cn-hangzhou").DeleteSnapshot(id))
	assert.Empty(t, srv.ECS().State().Snapshots)
}
