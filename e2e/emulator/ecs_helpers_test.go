package emulator_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
)

// ecsConfig is the SDK configuration that points the real ECS client at the emulator: host:port without
// a scheme, plain HTTP.
func ecsConfig(srv *emulatortest.Server, region string) *openapi.Config {
	host := strings.TrimPrefix(srv.URL, "http://")
	return &openapi.Config{Endpoint: tea.String(host), Protocol: tea.String("HTTP"), NoProxy: tea.String(host),
		RegionId: tea.String(region), AccessKeyId: tea.String(testAK), AccessKeySecret: tea.String(testSK)}
}

func newECSClient(t *testing.T, srv *emulatortest.Server, region string, mutate ...func(*openapi.Config)) *ecssdk.Client {
	t.Helper()
	cfg := ecsConfig(srv, region)
	for _, m := range mutate {
		m(cfg)
	}
	c, err := ecssdk.NewClient(cfg)
	require.NoError(t, err)
	return c
}

// legacySignature makes the SDK sign with the RPC HMAC-SHA1 signature instead of ACS3-HMAC-SHA256.
func legacySignature(cfg *openapi.Config) { cfg.SignatureAlgorithm = tea.String("v2") }

// sdkError extracts the ECS error the SDK returned.
func sdkError(t *testing.T, err error) *tea.SDKError {
	t.Helper()
	require.Error(t, err)
	var se *tea.SDKError
	require.True(t, errors.As(err, &se), "want *tea.SDKError, got %T: %v", err, err)
	return se
}

// requireCode checks an SDK error's code and HTTP status.
func requireCode(t *testing.T, err error, status int, code string) *tea.SDKError {
	t.Helper()
	se := sdkError(t, err)
	require.Equal(t, code, tea.StringValue(se.Code), tea.StringValue(se.Message))
	require.Equal(t, status, tea.IntValue(se.StatusCode), tea.StringValue(se.Message))
	require.Contains(t, tea.StringValue(se.Data), `"RequestId"`, "every error carries a request ID")
	return se
}

// addDisk creates a ready disk fixture; the default is a 40 GiB cloud_essd in cn-hangzhou-h.
func addDisk(t *testing.T, srv *emulatortest.Server, mutate ...func(*ecs.DiskSpec)) ecs.DiskState {
	t.Helper()
	spec := ecs.DiskSpec{Region: "cn-hangzhou", Zone: "cn-hangzhou-h", Category: ecs.CategoryESSD, SizeGiB: 40}
	for _, m := range mutate {
		m(&spec)
	}
	d, err := srv.ECS().AddDisk(spec)
	require.NoError(t, err)
	return d
}

// slowECS makes disks and snapshots take an hour, so a test sees them unfinished however loaded the
// machine is; advance finishes them.
func slowECS(o *emulator.Options) {
	o.ECS.DiskCreateDuration, o.ECS.SnapshotDuration = time.Hour, time.Hour
}

func advance(t *testing.T, srv *emulatortest.Server, d time.Duration) {
	t.Helper()
	_, err := srv.ECS().AdvanceClock(d)
	require.NoError(t, err)
}

// createSnapshot snapshots a disk and returns the new ID.
func createSnapshot(t *testing.T, c *ecssdk.Client, req *ecssdk.CreateSnapshotRequest) string {
	t.Helper()
	res, err := c.CreateSnapshot(req)
	require.NoError(t, err)
	require.NotEmpty(t, tea.StringValue(res.Body.RequestId))
	return tea.StringValue(res.Body.SnapshotId)
}

// describeSnapshot returns the one snapshot with this ID, or nil when ECS lists none.
func describeSnapshot(t *testing.T, c *ecssdk.Client, region, id string) *ecssdk.DescribeSnapshotsResponseBodySnapshotsSnapshot {
	t.Helper()
	res, err := c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String(region), SnapshotIds: tea.String(`["` + id + `"]`)})
	require.NoError(t, err)
	if len(res.Body.Snapshots.Snapshot) == 0 {
		return nil
	}
	require.Len(t, res.Body.Snapshots.Snapshot, 1)
	return res.Body.Snapshots.Snapshot[0]
}

func describeDisk(t *testing.T, c *ecssdk.Client, region, id string) *ecssdk.DescribeDisksResponseBodyDisksDisk {
	t.Helper()
	res, err := c.DescribeDisks(&ecssdk.DescribeDisksRequest{RegionId: tea.String(region), DiskIds: tea.String(`["` + id + `"]`)})
	require.NoError(t, err)
	require.Len(t, res.Body.Disks.Disk, 1)
	return res.Body.Disks.Disk[0]
}
