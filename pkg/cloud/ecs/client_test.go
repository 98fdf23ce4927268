package ecs_test

import (
	"context"
	"testing"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/internal/clocktest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	emuecs "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

const (
	testAK = "LTAI-ecs-test"
	testSK = "ecs-test-secret"
)

type staticCreds credentials.Credentials

func (s staticCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials(s), nil
}

// The real SDK-backed client against the emulator over HTTP: snapshots take 300 ms, disks 100 ms.
func newEnv(t *testing.T) (*emulatortest.Server, ecs.Client) {
	t.Helper()
	srv := emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: testAK, AccessKeySecret: testSK}},
		ECS:         emuecs.Options{SnapshotDuration: 300 * time.Millisecond, DiskCreateDuration: 100 * time.Millisecond},
	})
	return srv, newClient(t, srv, testSK)
}

// newClient returns a client with a throttling backoff of its own (Clock set), so no test's throttling
// slows or breaks another's.
func newClient(t *testing.T, srv *emulatortest.Server, secret string) ecs.Client {
	t.Helper()
	return newClientOn(t, srv.URL, secret, clock.RealClock{})
}

func newClientOn(t *testing.T, endpoint, secret string, clk clock.WithTicker) ecs.Client {
	t.Helper()
	c, err := ecs.New(ecs.Config{Endpoint: endpoint, Credentials: staticCreds{AccessKeyID: testAK, AccessKeySecret: secret}, Clock: clk})
	require.NoError(t, err)
	return c
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

func addDisk(t *testing.T, srv *emulatortest.Server, spec emuecs.DiskSpec) string {
	t.Helper()
	d, err := srv.ECS().AddDisk(spec)
	require.NoError(t, err)
	return d.ID
}

func essd(region, zone string) emuecs.DiskSpec {
	return emuecs.DiskSpec{Region: region, Zone: zone, Category: "cloud_essd", PerformanceLevel: "PL2", SizeGiB: 500,
		Encrypted: true, KMSKeyID: "key-1", Tags: map[string]string{"team": "shop"}, Status: "In_use"}
}

func waitSnapshot(t *testing.T, c ecs.Client, region, id string) *ecs.Snapshot {
	t.Helper()
	var snap *ecs.Snapshot
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		var err error
		snap, err = c.DescribeSnapshot(ctx(t), region, id)
		if assert.NoError(c2, err) {
			assert.Equal(c2, ecs.SnapshotAccomplished, snap.Status)
		}
	}, 10*time.Second, 50*time.Millisecond)
	return snap
}

func TestDescribeDisk(t *testing.T) {
	srv, c := newEnv(t)
	id := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h"))
	d, err := c.DescribeDisk(ctx(t), "cn-hangzhou", id)
	require.NoError(t, err)
	assert.Equal(t, ecs.Disk{ID: id, Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd", PerformanceLevel: "PL2",
		SizeGiB: 500, Encrypted: true, KMSKeyID: "key-1", Status: ecs.DiskInUse, Tags: map[string]string{"team": "shop"}}, *d)

	_, err = c.DescribeDisk(ctx(t), "cn-beijing", id)
	assert.ErrorIs(t, err, cloud.ErrNotFound, "a disk of another region")
	_, err = c.DescribeDisk(ctx(t), "cn-hangzhou", "d-missing000000000000")
	assert.ErrorIs(t, err, cloud.ErrNotFound)
	assert.NotEmpty(t, cloud.RequestID(err))
}

func TestSnapshotLifecycle(t *testing.T) {
	srv, c := newEnv(t)
	// The snapshot stays progressing until the test moves the emulator's clock, however slow the machine.
	settings := srv.ECS().Settings()
	settings.SnapshotDuration = time.Hour
	require.NoError(t, srv.ECS().SetSettings(settings))
	diskID := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h"))
	opts := ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: diskID, Name: "velero-b1-pv1", InstantAccess: true,
		RetentionDays: 31, Tags: map[string]string{"velero.io/backup": "b1"}, ClientToken: "csdr-token-1"}
	id, err := c.CreateSnapshot(ctx(t), opts)
	require.NoError(t, err)

	snap, err := c.DescribeSnapshot(ctx(t), "cn-hangzhou", id)
	require.NoError(t, err)
	assert.Equal(t, ecs.SnapshotProgressing, snap.Status)
	assert.True(t, snap.Available, "instant access: usable while progressing")
	assert.Equal(t, diskID, snap.SourceDiskID)
	assert.Equal(t, 500, snap.SourceDiskSizeGiB)
	assert.Equal(t, 31, snap.RetentionDays)
	assert.True(t, snap.Encrypted)
	assert.Equal(t, "b1", snap.Tags["velero.io/backup"])
	assert.False(t, snap.Created.IsZero())

	again, err := c.CreateSnapshot(ctx(t), opts)
	require.NoError(t, err)
	assert.Equal(t, id, again, "the same ClientToken returns the first snapshot")
	assert.Len(t, srv.ECS().State().Snapshots, 1)

	_, err = srv.ECS().AdvanceClock(time.Hour)
	require.NoError(t, err)
	assert.Equal(t, 100, waitSnapshot(t, c, "cn-hangzhou", id).Progress)
	require.NoError(t, c.DeleteSnapshot(ctx(t), "cn-hangzhou", id))
	assert.ErrorIs(t, c.DeleteSnapshot(ctx(t), "cn-hangzhou", id), cloud.ErrNotFound)
	_, err = c.DescribeSnapshot(ctx(t), "cn-hangzhou", id)
	assert.ErrorIs(t, err, cloud.ErrNotFound, "ECS answers an empty list; the client says not found")
}

// A creation whose answer is lost is retried with the same ClientToken: one snapshot, not two.
func TestLostAnswerIsRetriedWithoutDuplicates(t *testing.T) {
	srv, c := newEnv(t)
	diskID := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h"))
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "CreateSnapshot", LoseAnswer: true, Count: 1})
	id, err := c.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: diskID, ClientToken: "csdr-lost-1"})
	require.NoError(t, err)
	snaps := srv.ECS().State().Snapshots
	require.Len(t, snaps, 1)
	assert.Equal(t, id, snaps[0].ID)
	assert.Equal(t, 2, srv.ECS().Stats().Operations["CreateSnapshot"], "two requests, one snapshot")
}

func TestThrottlingIsRetried(t *testing.T) {
	srv, _ := newEnv(t)
	clk := clocktest.Stepping(t, time.Unix(0, 0), time.Second, nil)
	c := newClientOn(t, srv.URL, testSK, clk)
	diskID := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h"))
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "DescribeDisks", Code: "Throttling.User", Count: 2})
	start := clk.Now()
	_, err := c.DescribeDisk(ctx(t), "cn-hangzhou", diskID)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, clk.Since(start), 750*time.Millisecond, "backed off at least 250 ms, then 500 ms")
	assert.Equal(t, 3, srv.ECS().Stats().Operations["DescribeDisks"])

	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "DescribeDisks", Code: "InvalidParameter", Count: 1})
	_, err = c.DescribeDisk(ctx(t), "cn-hangzhou", diskID)
	assert.ErrorIs(t, err, cloud.ErrInvalid, "other errors are not retried")
}

func TestCopySnapshotAndCreateDiskInAnotherRegion(t *testing.T) {
	srv, c := newEnv(t)
	diskID := addDisk(t, srv, essd("cn-hangzhou", "cn-hangzhou-h"))
	id, err := c.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: "cn-hangzhou", DiskID: diskID, ClientToken: "t1"})
	require.NoError(t, err)
	waitSnapshot(t, c, "cn-hangzhou", id)

	copyID, err := c.CopySnapshot(ctx(t), ecs.CopySnapshotOptions{SourceRegion: "cn-hangzhou", SnapshotID: id,
		DestinationRegion: "cn-beijing", RetentionDays: 3, Encrypted: true, KMSKeyID: "key-bj", ClientToken: "t2",
		Tags: map[string]string{"csdr.io/restored-from": "cn-hangzhou/" + id}})
	require.NoError(t, err)
	copied := waitSnapshot(t, c, "cn-beijing", copyID)
	assert.Equal(t, id, copied.SourceSnapshotID)
	assert.Equal(t, "cn-hangzhou", copied.SourceRegion)
	assert.Equal(t, "key-bj", copied.KMSKeyID)

	zones, err := c.DescribeZones(ctx(t), "cn-beijing")
	require.NoError(t, err)
	require.NotEmpty(t, zones)
	assert.Contains(t, zones[0].DiskCategories, "cloud_essd")

	newDisk, err := c.CreateDisk(ctx(t), ecs.DiskOptions{Region: "cn-beijing", Zone: zones[0].ID, SnapshotID: copyID,
		Category: "cloud_essd", PerformanceLevel: "PL2", SizeGiB: 500, Encrypted: true, KMSKeyID: "key-bj",
		Tags: map[string]string{"csdr.io/restored-from": "cn-hangzhou/" + id}, ClientToken: "t3"})
	require.NoError(t, err)
	require.EventuallyWithT(t, func(c2 *assert.CollectT) {
		d, err := c.DescribeDisk(ctx(t), "cn-beijing", newDisk)
		if assert.NoError(c2, err) {
			assert.Equal(c2, ecs.DiskAvailable, d.Status)
			assert.Equal(c2, zones[0].ID, d.Zone)
			assert.Equal(c2, "PL2", d.PerformanceLevel)
		}
	}, 10*time.Second, 50*time.Millisecond)

	_, err = c.CreateDisk(ctx(t), ecs.DiskOptions{Region: "cn-beijing", Zone: "cn-hangzhou-h", SnapshotID: copyID,
		Category: "cloud_essd", ClientToken: "t4"})
	assert.ErrorIs(t, err, cloud.ErrNotFound, "a zone of another region")
	assert.ErrorContains(t, err, "cn-hangzhou-h")
	_, err = c.CreateDisk(ctx(t), ecs.DiskOptions{Region: "cn-beijing", Zone: zones[0].ID, SnapshotID: copyID,
		Category: "cloud_essd", SizeGiB: 100, ClientToken: "t5"})
	assert.ErrorIs(t, err, cloud.ErrInvalid, "smaller than the snapshot")
	require.NoError(t, c.DeleteSnapshot(ctx(t), "cn-beijing", copyID), "forced: a disk was made from it")
}

func TestWrongSecretIsDenied(t *testing.T) {
	srv, _ := newEnv(t)
	c := newClient(t, srv, "not-the-secret")
	_, err := c.DescribeZones(ctx(t), "cn-hangzhou")
	assert.ErrorIs(t, err, cloud.ErrDenied)
	assert.ErrorContains(t, err, "SignatureDoesNotMatch")
	assert.NotContains(t, err.Error(), "not-the-secret")
}
