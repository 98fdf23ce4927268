package volumesnapshotter_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
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
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/volumesnapshotter"
)

const ak, sk = "LTAI-vs-test", "vs-test-secret"

type keys struct{}

func (keys) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials{AccessKeyID: ak, AccessKeySecret: sk}, nil
}

// The plugin with the real ECS client against the emulator: snapshots take 1 s, disks 200 ms.
func newEmulator(t *testing.T) *emulatortest.Server {
	t.Helper()
	return emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: ak, AccessKeySecret: sk}},
		ECS:         emuecs.Options{SnapshotDuration: time.Second, DiskCreateDuration: 200 * time.Millisecond},
	})
}

func newPlugin(t *testing.T, srv *emulatortest.Server, config string) *volumesnapshotter.Snapshotter {
	t.Helper()
	return newPluginOn(t, srv, config, clock.RealClock{})
}

// newPluginOn returns the plugin with clk as its clock and its ECS client's, which gives the client a
// throttling backoff of its own: no test's throttling slows or breaks another's.
func newPluginOn(t *testing.T, srv *emulatortest.Server, config string, clk clock.WithTicker) *volumesnapshotter.Snapshotter {
	t.Helper()
	return newPluginWith(t, srv, config, clk, identity("uid-integration-cluster"), io.Discard)
}

// newPluginWith is newPluginOn in the cluster of that identity, logging to out.
func newPluginWith(t *testing.T, srv *emulatortest.Server, config string, clk clock.WithTicker,
	id volumesnapshotter.ClusterIdentity, out io.Writer) *volumesnapshotter.Snapshotter {
	t.Helper()
	log := logrus.New()
	log.SetOutput(out)
	deps := volumesnapshotter.DefaultDependencies(nil, id)
	deps.NewCredentials = func(credentials.Options) (credentials.Source, error) { return keys{}, nil }
	deps.NewClient = func(cfg ecs.Config) (ecs.Client, error) {
		cfg.Clock = clk
		return ecs.New(cfg)
	}
	deps.Clock = clk
	s := volumesnapshotter.New(log, deps)
	cfg := map[string]string{"endpoint": srv.URL}
	for _, kv := range strings.Split(config, ",") {
		k, v, _ := strings.Cut(kv, "=")
		cfg[k] = v
	}
	require.NoError(t, s.Init(cfg))
	return s
}

func addDisk(t *testing.T, srv *emulatortest.Server, spec emuecs.DiskSpec) string {
	t.Helper()
	d, err := srv.ECS().AddDisk(spec)
	require.NoError(t, err)
	return d.ID
}

// snapshot backs a disk up as Velero does: volume info, then the snapshot.
func snapshot(t *testing.T, s *volumesnapshotter.Snapshotter, diskID string) (id, volumeType string, iops *int64) {
	t.Helper()
	volumeType, iops, err := s.GetVolumeInfo(diskID, "")
	require.NoError(t, err)
	id, err = s.CreateSnapshot(diskID, "", map[string]string{"velero.io/backup": "b1", "velero.io/pv": "pv-" + diskID})
	require.NoError(t, err)
	return id, volumeType, iops
}

func TestRestoreWhileTheSnapshotIsStillProgressing(t *testing.T) {
	srv := newEmulator(t)
	// Ultra disks have no instant access: the snapshot is unusable until it is accomplished.
	diskID := addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_efficiency", SizeGiB: 30, Status: "In_use"})
	// The snapshot takes an hour of the emulator's clock, which only the plugin's waits move on.
	settings := srv.ECS().Settings()
	settings.SnapshotDuration = time.Hour
	require.NoError(t, srv.ECS().SetSettings(settings))
	s := newPluginOn(t, srv, "region=cn-hangzhou,restoreTimeout=2h", linkedClock(t, srv))
	id, typ, iops := snapshot(t, s, diskID)
	assert.Equal(t, "cloud_efficiency", typ)
	for _, snap := range srv.ECS().State().Snapshots {
		require.Equal(t, "progressing", snap.Status, "the restore starts while the snapshot is progressing")
		require.False(t, snap.Available, "and unusable: ultra disks have no instant access")
	}

	newDisk, err := s.CreateVolumeFromSnapshot(id, typ, "cn-hangzhou-i", iops)
	require.NoError(t, err)
	d := diskOf(t, srv, newDisk)
	assert.Equal(t, "Available", d.Status)
	assert.Equal(t, "cn-hangzhou-i", d.Zone)
	assert.EqualValues(t, 30, d.SizeGiB)
	assert.Equal(t, "cloud_efficiency", d.Category)
}

func TestRestoreIntoAnotherRegionThroughACopy(t *testing.T) {
	srv := newEmulator(t)
	diskID := addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
		PerformanceLevel: "PL1", SizeGiB: 20, Encrypted: true, KMSKeyID: "key-hz", Status: "In_use"})
	id, typ, iops := snapshot(t, newPlugin(t, srv, "region=cn-hangzhou"), diskID)
	require.True(t, strings.HasPrefix(id, "cn-hangzhou/"))

	target := newPlugin(t, srv, "region=cn-beijing,zone=cn-beijing-h,kmsKeyId=key-bj")
	newDisk, err := target.CreateVolumeFromSnapshot(id, typ, "cn-hangzhou-h", iops)
	require.NoError(t, err)
	d := diskOf(t, srv, newDisk)
	assert.Equal(t, "cn-beijing", d.Region)
	assert.Equal(t, "cn-beijing-h", d.Zone)
	assert.Equal(t, "PL1", d.PerformanceLevel)
	assert.True(t, d.Encrypted)
	assert.Equal(t, "key-bj", d.KMSKeyID)

	// The copy served the restore and is gone; deleting the backup's snapshot from the target cluster works.
	for _, snap := range srv.ECS().State().Snapshots {
		assert.Equal(t, "cn-hangzhou", snap.Region, "no copy left in cn-beijing")
	}
	require.NoError(t, target.DeleteSnapshot(id))
	assert.Empty(t, srv.ECS().State().Snapshots)
	require.NoError(t, target.DeleteSnapshot(id), "a snapshot that is already gone")
}

func TestRestoreRefusesZonesThatAreNotInTheRegion(t *testing.T) {
	srv := newEmulator(t)
	diskID := addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
		PerformanceLevel: "PL1", SizeGiB: 20, Status: "In_use"})
	id, typ, iops := snapshot(t, newPlugin(t, srv, "region=cn-hangzhou"), diskID)

	target := newPlugin(t, srv, "region=cn-shanghai")
	_, err := target.CreateVolumeFromSnapshot(id, typ, "cn-beijing-h", iops)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cn-beijing-h (Velero's volume zone) is not a zone of region cn-shanghai")
	assert.Contains(t, err.Error(), "cn-hangzhou-h (the source disk's zone) is not a zone of region cn-shanghai")
	assert.Contains(t, err.Error(), "cn-shanghai-l", "the error lists the zones that would do")
	for _, d := range srv.ECS().State().Disks {
		assert.Equal(t, "cn-hangzhou", d.Region, "no disk was made")
	}
}

func TestSnapshotUnderThrottlingAndLostAnswers(t *testing.T) {
	srv := newEmulator(t)
	diskID := addDisk(t, srv, emuecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: "cloud_essd",
		PerformanceLevel: "PL1", SizeGiB: 20, Status: "In_use"})
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "DescribeDisks", Code: "Throttling.User", Count: 2})
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "CreateSnapshot", LoseAnswer: true, Count: 1})
	s := newPlugin(t, srv, "region=cn-hangzhou")
	id, _, _ := snapshot(t, s, diskID)
	snaps := srv.ECS().State().Snapshots
	require.Len(t, snaps, 1, "the retried CreateSnapshot returned the first snapshot")
	assert.Equal(t, "cn-hangzhou/"+snaps[0].ID, id)

	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "DescribeDisks", Code: "Forbidden.RAM", Count: 1})
	_, _, err := newPlugin(t, srv, "region=cn-hangzhou").GetVolumeInfo(diskID, "")
	assert.ErrorIs(t, err, cloud.ErrDenied)
	assert.NotEmpty(t, cloud.RequestID(err))
}

func diskOf(t *testing.T, srv *emulatortest.Server, id string) emuecs.DiskState {
	t.Helper()
	for _, d := range srv.ECS().State().Disks {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("disk %s does not exist", id)
	return emuecs.DiskState{}
}
