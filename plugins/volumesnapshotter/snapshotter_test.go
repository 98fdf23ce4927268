package volumesnapshotter

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/internal/clocktest"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

var epoch = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

type staticCreds struct{}

func (staticCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials{AccessKeyID: "ak", AccessKeySecret: "sk"}, nil
}

// fakeBackups answers Expiration from a map; a missing backup is an error.
type fakeBackups map[string]time.Time

func (b fakeBackups) Expiration(_ context.Context, name string) (time.Time, error) {
	t, ok := b[name]
	if !ok {
		return time.Time{}, errors.New("backups.velero.io " + name + " not found")
	}
	return t, nil
}

type harness struct {
	*Snapshotter
	ecs   *fakeECS
	clock *clocktesting.FakeClock
}

// newSnapshotter returns an initialised Snapshotter on a fake ECS whose clock moves on whenever the
// plugin waits.
func newSnapshotter(t *testing.T, config map[string]string, backups BackupReader) harness {
	t.Helper()
	fake := newFakeECS()
	clk := clocktest.Stepping(t, epoch, time.Second, nil)
	fake.clock = clk
	log := logrus.New()
	log.SetOutput(io.Discard)
	s := New(log, Dependencies{
		NewCredentials: func(credentials.Options) (credentials.Source, error) { return staticCreds{}, nil },
		NewClient:      func(ecs.Config) (ecs.Client, error) { return fake, nil },
		Backups:        backups,
		Identity:       fixedIdentity(clusterA),
		Clock:          clk,
	})
	if config == nil {
		config = map[string]string{"region": "cn-hangzhou"}
	}
	require.NoError(t, s.Init(config))
	return harness{Snapshotter: s, ecs: fake, clock: clk}
}

func essdDisk() ecs.Disk {
	return ecs.Disk{ID: "d-essd1", Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
		PerformanceLevel: "PL1", SizeGiB: 40, Tags: map[string]string{"team": "shop", "acs:reserved": "x"}}
}

func TestGetVolumeInfoKeepsThePerformanceLevelExactly(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	h.ecs.addDisk(essdDisk())
	h.ecs.addDisk(ecs.Disk{ID: "d-auto1", Region: "cn-hangzhou", Zone: "cn-hangzhou-i", Category: "cloud_auto",
		SizeGiB: 100, ProvisionedIOPS: 5000, BurstingEnabled: true})

	typ, iops, err := h.GetVolumeInfo("d-essd1", "cn-hangzhou-h")
	require.NoError(t, err)
	assert.Equal(t, "cloud_essd/PL1", typ)
	assert.Nil(t, iops)

	typ, iops, err = h.GetVolumeInfo("d-auto1", "")
	require.NoError(t, err)
	assert.Equal(t, "cloud_auto/bursting", typ)
	require.NotNil(t, iops)
	assert.EqualValues(t, 5000, *iops)

	_, _, err = h.GetVolumeInfo("d-missing", "")
	assert.ErrorIs(t, err, cloud.ErrNotFound)
}

func TestCreateSnapshot(t *testing.T) {
	veleroTags := map[string]string{"velero.io/backup": "nightly", "velero.io/pv": "pvc-1", "app": "shop"}
	tests := []struct {
		name          string
		config        map[string]string
		backups       BackupReader
		disk          func() ecs.Disk
		wantRetention int
		wantInstant   bool
	}{
		{name: "retention follows the backup's expiry, rounded up plus a day",
			backups: fakeBackups{"nightly": epoch.Add(71 * time.Hour)}, disk: essdDisk, wantRetention: 4, wantInstant: true},
		{name: "backup unreadable: the default retention", backups: fakeBackups{}, disk: essdDisk, wantRetention: 30, wantInstant: true},
		{name: "fixed retention", config: map[string]string{"region": "cn-hangzhou", "snapshotRetentionDays": "7"},
			disk: essdDisk, wantRetention: 7, wantInstant: true},
		{name: "no retention", config: map[string]string{"region": "cn-hangzhou", "snapshotRetentionDays": "none"},
			disk: essdDisk, wantRetention: 0, wantInstant: true},
		{name: "instant access off", config: map[string]string{"region": "cn-hangzhou", "instantAccess": "false"},
			disk: essdDisk, wantRetention: 30},
		{name: "no instant access for ultra disks", disk: func() ecs.Disk {
			d := essdDisk()
			d.Category, d.PerformanceLevel = "cloud_efficiency", ""
			return d
		}, wantRetention: 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newSnapshotter(t, tt.config, tt.backups)
			disk := h.ecs.addDisk(tt.disk())
			id, err := h.CreateSnapshot(disk.ID, disk.Zone, veleroTags)
			require.NoError(t, err)
			assert.True(t, strings.HasPrefix(id, "cn-hangzhou/s-"), id)
			opts := h.ecs.lastSnapshot
			assert.Equal(t, tt.wantRetention, opts.RetentionDays)
			assert.Equal(t, tt.wantInstant, opts.InstantAccess)
			assert.Equal(t, "nightly", opts.Tags["velero.io/backup"])
			assert.Equal(t, "pvc-1", opts.Tags["velero.io/pv"])
			assert.Equal(t, "shop", opts.Tags["team"], "the disk's own tags travel with the snapshot")
			assert.NotContains(t, opts.Tags, "acs:reserved", "ECS refuses reserved tag keys")
			assert.Equal(t, disk.ID, opts.Tags[sourceDiskTagKey])
			assert.Equal(t, specOf(disk), parseSpecTag(opts.Tags[specTagKey]))

			again, err := h.CreateSnapshot(disk.ID, disk.Zone, veleroTags)
			require.NoError(t, err)
			assert.Equal(t, id, again, "a repeated call returns the first snapshot")
			assert.Len(t, h.ecs.snapshots, 1)
		})
	}
}

func TestCreateSnapshotKeepsWithinTwentyTags(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	d := essdDisk()
	for i := 0; i < 30; i++ {
		d.Tags[string(rune('a'+i%26))+strings.Repeat("x", i)] = "v"
	}
	disk := h.ecs.addDisk(d)
	_, err := h.CreateSnapshot(disk.ID, "", map[string]string{"velero.io/backup": "b", "velero.io/pv": "p"})
	require.NoError(t, err)
	tags := h.ecs.lastSnapshot.Tags
	assert.Len(t, tags, maxTags)
	for _, k := range []string{"velero.io/backup", "velero.io/pv", sourceDiskTagKey, specTagKey} {
		assert.Contains(t, tags, k, "what restore needs is never crowded out")
	}
}

func TestCreateSnapshotErrors(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	_, err := h.CreateSnapshot("d-missing", "", nil)
	assert.ErrorIs(t, err, cloud.ErrNotFound)
	assert.ErrorContains(t, err, "create snapshot of disk d-missing")

	disk := h.ecs.addDisk(essdDisk())
	h.ecs.failNext["CreateSnapshot"] = &cloud.Error{Service: "ecs", Operation: "CreateSnapshot", Kind: cloud.ErrDenied,
		Code: "Forbidden.RAM", RequestID: "R-1"}
	_, err = h.CreateSnapshot(disk.ID, "", nil)
	assert.ErrorIs(t, err, cloud.ErrDenied)
	assert.Equal(t, "R-1", cloud.RequestID(err), "the request ID reaches the user")
}

func TestDeleteSnapshot(t *testing.T) {
	h := newSnapshotter(t, nil, nil)
	disk := h.ecs.addDisk(essdDisk())
	id, err := h.CreateSnapshot(disk.ID, "", map[string]string{"velero.io/backup": "b"})
	require.NoError(t, err)

	require.NoError(t, h.DeleteSnapshot(id))
	assert.Empty(t, h.ecs.snapshots)
	require.NoError(t, h.DeleteSnapshot(id), "already gone is success")

	bare := strings.TrimPrefix(id, "cn-hangzhou/")
	require.NoError(t, h.DeleteSnapshot(bare), "IDs of the existing plugin belong to the location's region")
	assert.Equal(t, 3, h.ecs.calls["DeleteSnapshot"])

	h.ecs.failNext["DeleteSnapshot"] = &cloud.Error{Service: "ecs", Operation: "DeleteSnapshot", Kind: cloud.ErrThrottled}
	assert.ErrorIs(t, h.DeleteSnapshot(id), cloud.ErrThrottled, "other errors are not swallowed")
	assert.ErrorContains(t, h.DeleteSnapshot("not-a-snapshot"), "want REGION/s-ID")
}
