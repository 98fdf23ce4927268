package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunServesECSWithFlags(t *testing.T) {
	regions := filepath.Join(t.TempDir(), "regions.json")
	require.NoError(t, os.WriteFile(regions, []byte(`[{"id":"eu-central-1","localName":"Germany (Frankfurt)",
		"zones":[{"id":"eu-central-1a","diskCategories":["cloud_essd"]},{"id":"eu-central-1b","diskCategories":["cloud_auto"]}]}]`), 0o600))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	var stderr lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-access-key-id", "LTAIflag", "-access-key-secret", "flag-secret",
			"-ecs-regions", regions, "-ecs-snapshot-duration", "0", "-ecs-disk-duration", "1h",
			"-fault", "service=ecs,op=DescribeZones,code=Throttling.User,count=1"}, stdoutW, &stderr)
		_ = stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	url := strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go func() { _, _ = io.Copy(io.Discard, stdoutR) }()

	host := strings.TrimPrefix(url, "http://")
	c, err := ecssdk.NewClient(&openapi.Config{Endpoint: tea.String(host), Protocol: tea.String("HTTP"), RegionId: tea.String("eu-central-1"),
		AccessKeyId: tea.String("LTAIflag"), AccessKeySecret: tea.String("flag-secret")})
	require.NoError(t, err)
	_, err = c.DescribeZones(&ecssdk.DescribeZonesRequest{RegionId: tea.String("eu-central-1")})
	var se *tea.SDKError
	require.True(t, errors.As(err, &se), "the -fault flag reaches ECS: %v", err)
	assert.Equal(t, "Throttling.User", tea.StringValue(se.Code))
	assert.Equal(t, http.StatusBadRequest, tea.IntValue(se.StatusCode))
	zones, err := c.DescribeZones(&ecssdk.DescribeZonesRequest{RegionId: tea.String("eu-central-1")})
	require.NoError(t, err)
	require.Len(t, zones.Body.Zones.Zone, 2, "the -ecs-regions model is served")
	assert.Equal(t, "eu-central-1b", tea.StringValue(zones.Body.Zones.Zone[1].ZoneId))

	resp, err := http.Post(url+"/_admin/ecs/disks", "application/json",
		strings.NewReader(`{"region":"eu-central-1","zone":"eu-central-1a","category":"cloud_essd","sizeGiB":20}`))
	require.NoError(t, err)
	var disk struct{ ID string }
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode, string(body))
	require.NoError(t, json.Unmarshal(body, &disk))
	snap, err := c.CreateSnapshot(&ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID)})
	require.NoError(t, err)
	snaps, err := c.DescribeSnapshots(&ecssdk.DescribeSnapshotsRequest{RegionId: tea.String("eu-central-1"),
		SnapshotIds: tea.String(`["` + tea.StringValue(snap.Body.SnapshotId) + `"]`)})
	require.NoError(t, err)
	assert.Equal(t, "accomplished", tea.StringValue(snaps.Body.Snapshots.Snapshot[0].Status), "-ecs-snapshot-duration 0 finishes at once")
	created, err := c.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("eu-central-1"), ZoneId: tea.String("eu-central-1a"),
		DiskCategory: tea.String("cloud_essd"), SnapshotId: snap.Body.SnapshotId})
	require.NoError(t, err)
	disks, err := c.DescribeDisks(&ecssdk.DescribeDisksRequest{RegionId: tea.String("eu-central-1"),
		DiskIds: tea.String(`["` + tea.StringValue(created.Body.DiskId) + `"]`)})
	require.NoError(t, err)
	assert.Equal(t, "Creating", tea.StringValue(disks.Body.Disks.Disk[0].Status), "-ecs-disk-duration 1h")

	resp, err = http.Get(url + "/_admin/ecs/settings")
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.JSONEq(t, `{"diskCreateDuration":"1h0m0s","snapshotDuration":"0s"}`, string(body))

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after the context was cancelled")
	}
	assert.Contains(t, stderr.String(), "eu-central-1")
	assert.NotContains(t, stderr.String(), "flag-secret")
}
