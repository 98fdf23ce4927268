package ecs_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/internal/clocktest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	emuecs "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// A creation without a ClientToken whose answer is lost is retried with a token the client made for
// it: ECS returns the first attempt's resource instead of making a second one.
func TestCreationsWithoutATokenSurviveALostAnswer(t *testing.T) {
	srv, c := newEnv(t)
	diskID := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h"))
	for _, op := range []string{"CreateSnapshot", "CopySnapshot", "CreateDisk"} {
		srv.Faults().Add(faults.Fault{Service: "ecs", Operation: op, LoseAnswer: true, Count: 1})
	}

	snapID, err := c.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: diskID})
	require.NoError(t, err)
	waitSnapshot(t, c, "cn-hangzhou", snapID)
	copyID, err := c.CopySnapshot(ctx(t), ecs.CopySnapshotOptions{SourceRegion: "cn-hangzhou", SnapshotID: snapID, DestinationRegion: "cn-beijing"})
	require.NoError(t, err)
	waitSnapshot(t, c, "cn-beijing", copyID)
	newDisk, err := c.CreateDisk(ctx(t), ecs.DiskOptions{Region: "cn-beijing", Zone: "cn-beijing-h", SnapshotID: copyID,
		Category: "cloud_essd", PerformanceLevel: "PL2", SizeGiB: 500})
	require.NoError(t, err)

	state := srv.ECS().State()
	assert.Len(t, state.Snapshots, 2, "one snapshot and one copy")
	var disks []string
	for _, d := range state.Disks {
		if d.Region == "cn-beijing" {
			disks = append(disks, d.ID)
		}
	}
	assert.Equal(t, []string{newDisk}, disks, "one restored disk")
	for _, op := range []string{"CreateSnapshot", "CopySnapshot", "CreateDisk"} {
		assert.Equal(t, 2, state.Stats.Operations[op], "%s: a lost answer, then a retry", op)
	}
}

// stubECS answers every request with 200 and the given JSON, and records the ClientToken of each.
type stubECS struct {
	mu     sync.Mutex
	tokens map[string][]string // action -> ClientToken of each request
}

func newStubECS(t *testing.T, body string) (*stubECS, string) {
	stub := &stubECS{tokens: map[string][]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		action := r.Header.Get("x-acs-action")
		if action == "" {
			action = r.Form.Get("Action")
		}
		stub.mu.Lock()
		stub.tokens[action] = append(stub.tokens[action], r.Form.Get("ClientToken"))
		stub.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return stub, srv.URL
}

func (s *stubECS) tokensOf(action string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.tokens[action]...)
}

// A success answer that lacks the new resource's ID, or the list a read asked for, is an error, never
// a success with an empty ID or "not found". A creation is retried with the same token.
func TestAnswersWithoutTheirContentAreErrors(t *testing.T) {
	for _, body := range []string{`{"RequestId":"R-stub"}`, `{}`} {
		t.Run(body, func(t *testing.T) {
			stub, endpoint := newStubECS(t, body)
			c := newClientOn(t, endpoint, testSK, clocktest.Stepping(t, time.Unix(0, 0), time.Second, nil))
			creations := map[string]func() error{
				"CreateDisk": func() error {
					_, err := c.CreateDisk(ctx(t), ecs.DiskOptions{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd"})
					return err
				},
				"CreateSnapshot": func() error {
					_, err := c.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: "d-1"})
					return err
				},
				"CopySnapshot": func() error {
					_, err := c.CopySnapshot(ctx(t), ecs.CopySnapshotOptions{SourceRegion: "cn-hangzhou", SnapshotID: "s-1", DestinationRegion: "cn-beijing"})
					return err
				},
			}
			for action, create := range creations {
				err := create()
				assert.ErrorIs(t, err, cloud.ErrUnavailable, action)
				assert.ErrorContains(t, err, "the answer carries no", action)
				tokens := stub.tokensOf(action)
				if assert.Len(t, tokens, 3, "%s: retried like a lost answer", action) {
					assert.NotEmpty(t, tokens[0], action)
					assert.Equal(t, []string{tokens[0], tokens[0], tokens[0]}, tokens, "%s: every retry sends the same token", action)
				}
			}
			_, err := c.DescribeDisk(ctx(t), "cn-hangzhou", "d-1")
			assert.ErrorIs(t, err, cloud.ErrUnavailable)
			assert.NotErrorIs(t, err, cloud.ErrNotFound, "an answer without a list does not prove the disk is gone")
			_, err = c.DescribeSnapshot(ctx(t), "cn-hangzhou", "s-1")
			assert.ErrorIs(t, err, cloud.ErrUnavailable)
			assert.NotErrorIs(t, err, cloud.ErrNotFound)
			_, err = c.DescribeZones(ctx(t), "cn-hangzhou")
			assert.ErrorIs(t, err, cloud.ErrUnavailable)
			_, err = c.FindDisks(ctx(t), "cn-hangzhou", map[string]string{"k": "v"})
			assert.ErrorIs(t, err, cloud.ErrUnavailable)
			_, err = c.FindSnapshots(ctx(t), "cn-hangzhou", map[string]string{"k": "v"})
			assert.ErrorIs(t, err, cloud.ErrUnavailable)
		})
	}
}

// Two calls without tokens are two requests, not one replayed: each call gets its own token.
func TestEachCallGetsItsOwnToken(t *testing.T) {
	srv, c := newEnv(t)
	diskID := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h"))
	first, err := c.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: diskID})
	require.NoError(t, err)
	second, err := c.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: diskID})
	require.NoError(t, err)
	assert.NotEqual(t, first, second)
}

func TestDeleteDisk(t *testing.T) {
	srv, c := newEnv(t)
	id := addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd", SizeGiB: 20})
	attached := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h"))

	require.NoError(t, c.DeleteDisk(ctx(t), "cn-hangzhou", id))
	require.NoError(t, c.DeleteDisk(ctx(t), "cn-hangzhou", id), "a disk that is gone is success")
	err := c.DeleteDisk(ctx(t), "cn-hangzhou", attached)
	assert.ErrorIs(t, err, cloud.ErrInvalid, "ECS deletes only Available disks")
	assert.ErrorContains(t, err, attached)
	left := srv.ECS().State().Disks
	require.Len(t, left, 1)
	assert.Equal(t, attached, left[0].ID)

	// A disk ECS is still creating cannot go yet.
	require.NoError(t, srv.ECS().SetSettings(emuecs.Settings{DiskCreateDuration: time.Hour, SnapshotDuration: time.Millisecond}))
	snap, err := c.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: attached})
	require.NoError(t, err)
	waitSnapshot(t, c, "cn-hangzhou", snap)
	creating, err := c.CreateDisk(ctx(t), ecs.DiskOptions{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", SnapshotID: snap, Category: "cloud_essd", SizeGiB: 500})
	require.NoError(t, err)
	assert.ErrorIs(t, c.DeleteDisk(ctx(t), "cn-hangzhou", creating), cloud.ErrInvalid)
	_, err = srv.ECS().AdvanceClock(time.Hour)
	require.NoError(t, err)
	require.NoError(t, c.DeleteDisk(ctx(t), "cn-hangzhou", creating), "Available now")
}

func TestFindByTags(t *testing.T) {
	srv, c := newEnv(t)
	diskID := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h")) // tagged team=shop
	addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd", SizeGiB: 20,
		Tags: map[string]string{"team": "ops"}})
	snapID, err := c.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: diskID,
		Tags: map[string]string{"csdr.io/restore-id": "r-1", "team": "shop"}})
	require.NoError(t, err)

	disks, err := c.FindDisks(ctx(t), "cn-hangzhou", map[string]string{"team": "shop"})
	require.NoError(t, err)
	require.Len(t, disks, 1)
	assert.Equal(t, diskID, disks[0].ID)
	disks, err = c.FindDisks(ctx(t), "cn-beijing", map[string]string{"team": "shop"})
	require.NoError(t, err)
	assert.Empty(t, disks, "another region")

	snaps, err := c.FindSnapshots(ctx(t), "cn-hangzhou", map[string]string{"csdr.io/restore-id": "r-1", "team": "shop"})
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	assert.Equal(t, snapID, snaps[0].ID)
	snaps, err = c.FindSnapshots(ctx(t), "cn-hangzhou", map[string]string{"csdr.io/restore-id": "r-2"})
	require.NoError(t, err)
	assert.Empty(t, snaps)

	_, err = c.FindDisks(ctx(t), "cn-hangzhou", nil)
	assert.ErrorContains(t, err, "no tags", "finding without tags would list every disk")
}
