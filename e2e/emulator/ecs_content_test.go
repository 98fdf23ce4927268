package emulator_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	ecssdk "github.com/alibabacloud-go/ecs-20140526/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
)

// diskContent asks the admin API for a disk, as the harness does.
func diskContent(t *testing.T, srv *emulatortest.Server, id string) ecs.DiskContent {
	t.Helper()
	status, body := admin(t, "GET", srv.URL+"/_admin/ecs/disks/"+id, "")
	require.Equal(t, http.StatusOK, status, string(body))
	var d ecs.DiskContent
	require.NoError(t, json.Unmarshal(body, &d))
	require.True(t, filepath.IsAbs(d.DataDir), d.DataDir)
	return d
}

// writeFiles writes files (path -> content) under dir, creating directories as needed.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o640))
	}
}

// checksums maps every regular file under dir to its SHA-256.
func checksums(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		sum := sha256.Sum256(data)
		out[rel] = hex.EncodeToString(sum[:])
		return nil
	}))
	return out
}

func TestECSDiskBytesFollowSnapshotsAcrossRegions(t *testing.T) {
	srv := newServer(t, slowECS)
	hz, sh := newECSClient(t, srv, "cn-hangzhou"), newECSClient(t, srv, "cn-shanghai")
	disk := diskContent(t, srv, addDisk(t, srv).ID)
	entries, err := os.ReadDir(disk.DataDir)
	require.NoError(t, err)
	assert.Empty(t, entries, "a new disk is empty")
	writeFiles(t, disk.DataDir, map[string]string{"app/data.db": "rows v1", "app/conf/settings.ini": "mode=1", "README": "hello"})
	require.NoError(t, os.Symlink("data.db", filepath.Join(disk.DataDir, "app", "current")))
	atSnapshot := checksums(t, disk.DataDir)

	snap := createSnapshot(t, hz, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID)})
	// In place (same inode) and new and removed files: none of it may reach the snapshot.
	writeFiles(t, disk.DataDir, map[string]string{"app/data.db": "rows v2", "later.txt": "after the snapshot"})
	require.NoError(t, os.Remove(filepath.Join(disk.DataDir, "README")))
	changed := checksums(t, disk.DataDir)
	advance(t, srv, time.Hour)

	cp, err := hz.CopySnapshot(&ecssdk.CopySnapshotRequest{RegionId: tea.String("cn-hangzhou"), SnapshotId: tea.String(snap),
		DestinationRegionId: tea.String("cn-shanghai")})
	require.NoError(t, err)
	advance(t, srv, time.Hour)
	created, err := sh.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-shanghai"), ZoneId: tea.String("cn-shanghai-m"),
		DiskCategory: tea.String("cloud_essd"), SnapshotId: cp.Body.SnapshotId})
	require.NoError(t, err)

	migrated := diskContent(t, srv, tea.StringValue(created.Body.DiskId))
	assert.Equal(t, "cn-shanghai", migrated.Region)
	assert.Equal(t, atSnapshot, checksums(t, migrated.DataDir), "the copy's disk holds the bytes of snapshot time")
	link, err := os.Readlink(filepath.Join(migrated.DataDir, "app", "current"))
	require.NoError(t, err)
	assert.Equal(t, "data.db", link, "symbolic links are copied as links")
	info, err := os.Stat(filepath.Join(migrated.DataDir, "app", "conf", "settings.ini"))
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o640), info.Mode().Perm(), "modes are kept")
	assert.Equal(t, changed, checksums(t, disk.DataDir), "the source disk keeps its later writes")

	writeFiles(t, migrated.DataDir, map[string]string{"app/data.db": "rows v3"})
	again, err := sh.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-shanghai"), ZoneId: tea.String("cn-shanghai-m"),
		DiskCategory: tea.String("cloud_essd"), SnapshotId: cp.Body.SnapshotId})
	require.NoError(t, err)
	assert.Equal(t, atSnapshot, checksums(t, diskContent(t, srv, tea.StringValue(again.Body.DiskId)).DataDir),
		"writes to a disk made from a snapshot do not reach the snapshot")
}

func TestECSDeletesRemoveContent(t *testing.T) {
	srv := newServer(t, func(o *emulator.Options) { o.ECS.SnapshotDuration, o.ECS.DiskCreateDuration = ecs.Instant, ecs.Instant })
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := diskContent(t, srv, addDisk(t, srv).ID)
	writeFiles(t, disk.DataDir, map[string]string{"f": "x"})
	snap := createSnapshot(t, c, &ecssdk.CreateSnapshotRequest{DiskId: tea.String(disk.ID)})
	group, err := c.CreateSnapshotGroup(&ecssdk.CreateSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"), DiskId: []*string{tea.String(disk.ID)}})
	require.NoError(t, err)
	ecsDir := filepath.Join(srv.DataDir(), "ecs")
	snapshotDirs := func() []string {
		entries, err := os.ReadDir(filepath.Join(ecsDir, "snapshots"))
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	require.Len(t, snapshotDirs(), 2, "a group's snapshot holds content too")

	_, err = c.DeleteSnapshot(&ecssdk.DeleteSnapshotRequest{SnapshotId: tea.String(snap)})
	require.NoError(t, err)
	_, err = c.DeleteSnapshotGroup(&ecssdk.DeleteSnapshotGroupRequest{RegionId: tea.String("cn-hangzhou"), SnapshotGroupId: group.Body.SnapshotGroupId})
	require.NoError(t, err)
	assert.Empty(t, snapshotDirs())
	_, err = c.DeleteDisk(&ecssdk.DeleteDiskRequest{DiskId: tea.String(disk.ID)})
	require.NoError(t, err)
	_, err = os.Stat(disk.DataDir)
	assert.ErrorIs(t, err, os.ErrNotExist)
	status, _ := admin(t, "GET", srv.URL+"/_admin/ecs/disks/"+disk.ID, "")
	assert.Equal(t, http.StatusNotFound, status)
}

func TestECSDiskAttach(t *testing.T) {
	srv := newServer(t)
	c := newECSClient(t, srv, "cn-hangzhou")
	disk := addDisk(t, srv)
	base := srv.URL + "/_admin/ecs/disks/" + disk.ID
	steps := []struct {
		name, verb, instance string
		status               int
		want                 string // the disk's instance afterwards
	}{
		{"attach", "attach", "node-1", http.StatusOK, "node-1"},
		{"attach again is no change", "attach", "node-1", http.StatusOK, "node-1"},
		{"attached elsewhere", "attach", "node-2", http.StatusConflict, "node-1"},
		{"detach by another", "detach", "node-2", http.StatusConflict, "node-1"},
		{"no instance", "attach", "", http.StatusBadRequest, "node-1"},
		{"detach", "detach", "node-1", http.StatusOK, ""},
		{"detach again is no change", "detach", "node-1", http.StatusOK, ""},
		{"attach to the other", "attach", "node-2", http.StatusOK, "node-2"},
	}
	for _, s := range steps {
		status, body := admin(t, "POST", base+"/"+s.verb, `{"instanceId":"`+s.instance+`"}`)
		require.Equal(t, s.status, status, "%s: %s", s.name, body)
		d := describeDisk(t, c, "cn-hangzhou", disk.ID)
		assert.Equal(t, s.want, tea.StringValue(d.InstanceId), s.name)
		want := ecs.DiskAvailable
		if s.want != "" {
			want = ecs.DiskInUse
		}
		assert.Equal(t, want, tea.StringValue(d.Status), s.name)
	}
	_, err := c.DeleteDisk(&ecssdk.DeleteDiskRequest{DiskId: tea.String(disk.ID)})
	requireCode(t, err, http.StatusForbidden, "IncorrectDiskStatus")
	status, _ := admin(t, "POST", srv.URL+"/_admin/ecs/disks/d-nosuchdisk/attach", `{"instanceId":"node-1"}`)
	assert.Equal(t, http.StatusNotFound, status)
}

func TestECSDiskNotReadyCannotAttach(t *testing.T) {
	srv := newServer(t, slowECS)
	c := newECSClient(t, srv, "cn-hangzhou")
	res, err := c.CreateDisk(&ecssdk.CreateDiskRequest{RegionId: tea.String("cn-hangzhou"), ZoneId: tea.String("cn-hangzhou-h"),
		DiskCategory: tea.String("cloud_essd"), Size: tea.Int32(20)})
	require.NoError(t, err)
	id := tea.StringValue(res.Body.DiskId)
	d := diskContent(t, srv, id)
	assert.DirExists(t, d.DataDir, "content exists from creation")
	status, _ := admin(t, "POST", srv.URL+"/_admin/ecs/disks/"+id+"/attach", `{"instanceId":"node-1"}`)
	assert.Equal(t, http.StatusConflict, status, "a Creating disk cannot attach yet")
	advance(t, srv, time.Hour)
	status, body := admin(t, "POST", srv.URL+"/_admin/ecs/disks/"+id+"/attach", `{"instanceId":"node-1"}`)
	require.Equal(t, http.StatusOK, status, string(body))
}
