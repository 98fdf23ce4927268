package hbr_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// Snapshot answers with one request whether a vault still holds a snapshot.
func TestSnapshotLooksUpOneSnapshotOfAVault(t *testing.T) {
	w := newWorld(t)
	src := volumePath("pod-uid-1", "pv-data")
	writeFiles(t, w.node, src, files)
	var snaps []*hbr.Snapshot
	for _, name := range []string{"b1-7d1e-hbr", "b2-7d1e-hbr"} {
		job := w.backup(t, name, src)
		require.NoError(t, job.Err())
		s, err := w.c.JobSnapshots(ctx(t), region, w.vault.ID, job.ID)
		require.NoError(t, err)
		require.Len(t, s, 1)
		snaps = append(snaps, s[0])
	}

	searches := func() int { return hbrState(t, w.srv).Stats.Operations["SearchHistoricalSnapshots"] }
	before := searches()
	got, err := w.c.Snapshot(ctx(t), region, w.vault.ID, snaps[0].ID)
	require.NoError(t, err)
	assert.Equal(t, snaps[0], got)
	assert.Equal(t, before+1, searches(), "one request")

	_, err = w.c.Snapshot(ctx(t), region, w.vault.ID, "s-not-there")
	assert.ErrorIs(t, err, cloud.ErrNotFound)

	require.NoError(t, w.c.DeleteSnapshot(ctx(t), region, w.vault.ID, snaps[0].ID))
	_, err = w.c.Snapshot(ctx(t), region, w.vault.ID, snaps[0].ID)
	assert.ErrorIs(t, err, cloud.ErrNotFound, "deleted")
	got, err = w.c.Snapshot(ctx(t), region, w.vault.ID, snaps[1].ID)
	require.NoError(t, err)
	assert.Equal(t, snaps[1].ID, got.ID, "the other snapshot is still there")

	deleteVault(t, w.srv, w.vault.ID)
	_, err = w.c.Snapshot(ctx(t), region, w.vault.ID, snaps[1].ID)
	assert.ErrorIs(t, err, hbr.ErrVaultDeleted)
}
