package emulator_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
)

func TestECSAdminDisks(t *testing.T) {
	srv := newServer(t)
	base := srv.URL + "/_admin/ecs"
	status, body := admin(t, "POST", base+"/disks", `{"id":"d-fixture0000000000001","region":"cn-shanghai","zone":"cn-shanghai-m",
		"category":"cloud_essd","performanceLevel":"PL2","sizeGiB":500,"encrypted":true,"kmsKeyId":"key-sh",
		"tags":{"kubernetes.io/pv":"pv-1"},"status":"In_use","instanceId":"i-node1"}`)
	require.Equal(t, http.StatusCreated, status, string(body))
	var disk ecs.DiskState
	require.NoError(t, json.Unmarshal(body, &disk))
	assert.Equal(t, "d-fixture0000000000001", disk.ID)
	assert.Equal(t, ecs.DiskInUse, disk.Status)
	assert.Equal(t, "PL2", disk.PerformanceLevel)

	c := newECSClient(t, srv, "cn-shanghai")
	d := describeDisk(t, c, "cn-shanghai", disk.ID)
	assert.Equal(t, "In_use", tea.StringValue(d.Status), "a fixture is ready at once")
	assert.Equal(t, "i-node1", tea.StringValue(d.InstanceId))
	assert.Equal(t, int32(500), tea.Int32Value(d.Size))
	assert.Equal(t, "key-sh", tea.StringValue(d.KMSKeyId))
	assert.Equal(t, "pv-1", tea.StringValue(d.Tags.Tag[0].TagValue))

	status, body = admin(t, "POST", base+"/disks", `{"region":"cn-hangzhou","zone":"cn-hangzhou-h","category":"cloud_auto","sizeGiB":1}`)
	require.Equal(t, http.StatusCreated, status, string(body))
	require.NoError(t, json.Unmarshal(body, &disk))
	assert.Regexp(t, `^d-[a-z0-9]{20}$`, disk.ID)
	assert.Equal(t, ecs.DiskAvailable, disk.Status)

	for _, bad := range []struct {
		body   string
		status int
	}{
		{`{"id":"d-fixture0000000000001","region":"cn-hangzhou","zone":"cn-hangzhou-h","category":"cloud_essd","sizeGiB":20}`, http.StatusConflict},
		{`{"region":"cn-beijing","zone":"cn-beijing-i","category":"cloud_efficiency","sizeGiB":20}`, http.StatusBadRequest},
		{`{"region":"cn-hangzhou","zone":"cn-beijing-h","category":"cloud_essd","sizeGiB":20}`, http.StatusBadRequest},
		{`{"region":"cn-hangzhou","zone":"cn-hangzhou-h","category":"cloud_essd","sizeGiB":5}`, http.StatusBadRequest},
		{`{"region":"cn-hangzhou","zone":"cn-hangzhou-h","category":"cloud_essd","sizeGiB":20,"status":"Attaching"}`, http.StatusBadRequest},
		{`{"region":"cn-hangzhou","zone":"cn-hangzhou-h","sizeGiB":20}`, http.StatusBadRequest},
		{`{"region":"cn-hangzhou","zone":"cn-hangzhou-h","category":"cloud_essd","sizeGiB":20,"colour":"red"}`, http.StatusBadRequest},
	} {
		status, body = admin(t, "POST", base+"/disks", bad.body)
		assert.Equal(t, bad.status, status, bad.body)
		assert.Contains(t, string(body), `"error"`)
	}
}

func TestECSAdminSettingsClockAndState(t *testing.T) {
	srv := newServer(t)
	base := srv.URL + "/_admin/ecs"
	c := newECSClient(t, srv, "cn-hangzhou")

	status, body := admin(t, "GET", base+"/settings", "")
	require.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `{"diskCreateDuration":"500ms","snapshotDuration":"2s"}`, string(body))
	status, body = admin(t, "POST", base+"/settings", `{"snapshotDuration":"0s"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	assert.JSONEq(t, `{"diskCreateDuration":"500ms","snapshotDuration":"0s"}`, string(body), "a partial update keeps the rest")
	for _, bad := range []string{`{"snapshotDuration":"-1s"}`, `{"snapshotDuration":"soon"}`, `{"snapshotTime":"1s"}`} {
		status, _ = admin(t, "POST", base+"/settings", bad)
		assert.Equal(t, http.StatusBadRequest, status, bad)
	}
	disk := addDisk(t, srv)
	instant := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID), RetentionDays: tea.Int32(2)})
	assert.Equal(t, "accomplished", tea.StringValue(describeSnapshot(t, c, "cn-hangzhou", instant).Status), "a zero duration finishes at once")

	status, body = admin(t, "POST", base+"/clock", `{"advance":"24h"}`)
	require.Equal(t, http.StatusOK, status, string(body))
	var clock ecs.Clock
	require.NoError(t, json.Unmarshal(body, &clock))
	assert.Equal(t, 24*time.Hour, clock.Offset)
	assert.WithinDuration(t, time.Now().Add(24*time.Hour), clock.Now, time.Minute)
	for _, bad := range []string{`{"advance":"-1h"}`, `{"advance":"later"}`, `{"by":"1h"}`} {
		status, _ = admin(t, "POST", base+"/clock", bad)
		assert.Equal(t, http.StatusBadRequest, status, bad)
	}
	status, body = admin(t, "GET", base+"/clock", "")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, string(body), `"offset": "24h0m0s"`)

	status, body = admin(t, "GET", base+"/state", "")
	require.Equal(t, http.StatusOK, status)
	var st ecs.State
	require.NoError(t, json.Unmarshal(body, &st))
	require.Len(t, st.Disks, 1)
	assert.Equal(t, disk.ID, st.Disks[0].ID)
	require.Len(t, st.Snapshots, 1)
	assert.Equal(t, "accomplished", st.Snapshots[0].Status)
	assert.Equal(t, 100, st.Snapshots[0].Progress)
	require.NotNil(t, st.Snapshots[0].ExpiresAt)
	assert.Equal(t, st.Snapshots[0].Created.Add(48*time.Hour), st.Snapshots[0].ExpiresAt.UTC())
	assert.Len(t, st.Regions, 3)
	assert.Equal(t, time.Duration(0), st.Settings.SnapshotDuration)
	assert.Equal(t, 24*time.Hour, st.Clock.Offset)
	assert.Equal(t, 1, st.Stats.Operations["CreateSnapshot"])

	// The whole-emulator state carries ECS under its own key, and the clock expires the snapshot there too.
	status, _ = admin(t, "POST", base+"/clock", `{"advance":"24h"}`)
	require.Equal(t, http.StatusOK, status)
	status, body = admin(t, "GET", srv.URL+"/_admin/state", "")
	require.Equal(t, http.StatusOK, status)
	var all emulator.State
	require.NoError(t, json.Unmarshal(body, &all))
	assert.Len(t, all.ECS.Disks, 1)
	assert.Empty(t, all.ECS.Snapshots, "retention ran out")
	assert.Equal(t, 48*time.Hour, all.ECS.Clock.Offset)
}
