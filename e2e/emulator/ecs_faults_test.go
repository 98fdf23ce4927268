package emulator_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	util "github.com/alibabacloud-go/tea-utils/v2/service"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
)

func TestECSThrottlingFault(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv)
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "CreateSnapshot", Code: "Throttling.User", Count: 2})
	req := &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), ClientToken: tea.String("b1")}
	for i := 0; i < 2; i++ {
		_, err := c.CreateSnapshot(req)
		se := requireCode(t, err, http.StatusBadRequest, "Throttling.User")
		assert.Contains(t, tea.StringValue(se.Message), "Injected fault")
	}
	id := createSnapshot(t, c, req)
	assert.NotEmpty(t, id, "the third attempt goes through")
	assert.Len(t, srv.ECS().State().Snapshots, 1, "throttled calls create nothing")
	stats := srv.ECS().Stats()
	assert.Equal(t, 3, stats.Operations["CreateSnapshot"])
	assert.Equal(t, 2, stats.Errors["Throttling.User"])
	active := srv.Faults().List()
	require.Len(t, active, 1)
	assert.Equal(t, 2, active[0].Fired)
}

func TestECSFaultResources(t *testing.T) {
	srv := newServer(t)
	hz, bj := newECSClient(t, srv, "cn-hangzhou"), newECSClient(t, srv, "cn-beijing")
	hzDisk := addDisk(t, srv)
	bjDisk := addDisk(t, srv, func(s *ecs.DiskSpec) { s.Region, s.Zone = "cn-beijing", "cn-beijing-h" })

	// A pattern without "/" names a region; CreateSnapshot carries no RegionId, so the region is the disk's.
	srv.Faults().Add(faults.Fault{Service: "ecs", Resource: "cn-beijing", Code: "ServiceUnavailable"})
	_, err := hz.CreateSnapshot(&ecssdk.CreateSnapshotRequest{DiskId: tea.String(hzDisk.ID)})
	require.NoError(t, err)
	_, err = bj.CreateSnapshot(&ecssdk.CreateSnapshotRequest{DiskId: tea.String(bjDisk.ID)})
	requireCode(t, err, http.StatusServiceUnavailable, "ServiceUnavailable")
	_, err = bj.DescribeDisks(&ecssdk.DescribeDisksRequest{RegionId: tea.String("cn-beijing")})
	requireCode(t, err, http.StatusServiceUnavailable, "ServiceUnavailable")

	// REGION/ID names one resource; a status-only 404 answers with that resource's NotFound code.
	srv.Faults().Clear()
	snap := createSnapshot(t, hz, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(hzDisk.ID)})
	other := createSnapshot(t, hz, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(hzDisk.ID)})
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "DeleteSnapshot", Resource: "cn-hangzhou/" + snap, Status: 404})
	_, err = hz.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(other)})
	require.NoError(t, err)
	_, err = hz.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(snap)})
	requireCode(t, err, http.StatusNotFound, "InvalidSnapshotId.NotFound")
	srv.Faults().Clear()
	srv.Faults().Add(faults.Fault{Service: "ecs", Resource: "*/" + hzDisk.ID, Code: "Forbidden.RAM", Message: "no permission"})
	_, err = hz.CreateSnapshot(&ecssdk.CreateSnapshotRequest{DiskId: tea.String(hzDisk.ID)})
	se := requireCode(t, err, http.StatusForbidden, "Forbidden.RAM")
	assert.Contains(t, tea.StringValue(se.Message), "no permission")

	srv.Faults().Clear()
	srv.Faults().Add(faults.Fault{Service: "oss", Status: 500})
	_, err = hz.DescribeRegions(&ecssdk.DescribeRegionsRequest{})
	assert.NoError(t, err, "a fault for another service does not touch ECS")
}

func TestECSServerErrorIsRetriedBySDK(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv)
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "CreateSnapshot", Code: "InternalError", Count: 1})
	res, err := c.CreateSnapshotWithOptions(&ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID)},
		&util.RuntimeOptions{Autoretry: tea.Bool(true), MaxAttempts: tea.Int(3)})
	require.NoError(t, err, "the SDK retries 5xx answers when asked to")
	assert.NotEmpty(t, tea.StringValue(res.Body.SnapshotId))
	assert.Equal(t, 1, srv.ECS().Stats().Errors["InternalError"])
}

func TestECSLatencyAndResetFaults(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "DescribeRegions", Latency: 150 * time.Millisecond})
	start := time.Now()
	_, err := c.DescribeRegions(&ecssdk.DescribeRegionsRequest{})
	require.NoError(t, err, "a latency-only fault delays but succeeds")
	assert.GreaterOrEqual(t, time.Since(start), 150*time.Millisecond)

	srv.Faults().Clear()
	srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "DescribeZones", ResetMidBody: true, Count: 1})
	_, err = c.DescribeZones(&ecssdk.DescribeZonesRequest{RegionId: tea.String("cn-hangzhou")})
	require.Error(t, err)
	var se *tea.SDKError
	if errors.As(err, &se) {
		assert.Zero(t, tea.IntValue(se.StatusCode), "a reset is a transport error, not a service answer: %v", err)
	}
	_, err = c.DescribeZones(&ecssdk.DescribeZonesRequest{RegionId: tea.String("cn-hangzhou")})
	require.NoError(t, err, "the fault fired once")
}
