package legacybackup

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the code")

const testBucket = "legacy-vault"

// diskSnapshots are the snapshots the old plugin took of the fixture's two FlexVolume disks.
var diskSnapshots = []Snapshot{
	{PV: "d-bp1legacy0000000001", ID: "s-bp1legacysnap000001"},
	{PV: "d-bp1legacy0000000002", ID: "s-bp1legacysnap000002"},
}

func appBackup(t *testing.T, name string, snapshots []Snapshot) Backup {
	t.Helper()
	objs, err := App()
	require.NoError(t, err)
	return Backup{Name: name, Objects: objs, Snapshots: snapshots}
}

func writeApp(t *testing.T, prefix string, b Backup) *vault {
	t.Helper()
	v := newVault(testBucket)
	require.NoError(t, Write(context.Background(), v, testBucket, prefix, b))
	return v
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	return out
}

func TestWriteLeavesTheFilesOldVeleroWrote(t *testing.T) {
	cases := []struct {
		prefix string
		dir    string
	}{
		{"", "backups/shop-2021/"},
		{"legacy", "legacy/backups/shop-2021/"},
		{"/legacy/", "legacy/backups/shop-2021/"},
		{"team/legacy", "team/legacy/backups/shop-2021/"},
	}
	for _, c := range cases {
		t.Run("prefix "+c.prefix, func(t *testing.T) {
			v := writeApp(t, c.prefix, appBackup(t, "shop-2021", nil))
			assert.Equal(t, []string{
				c.dir + "shop-2021-logs.gz",
				c.dir + "shop-2021-podvolumebackups.json.gz",
				c.dir + "shop-2021-resource-list.json.gz",
				c.dir + "shop-2021-volumesnapshots.json.gz",
				c.dir + "shop-2021.tar.gz",
				c.dir + "velero-backup.json",
			}, v.keys())

			store := v.backupStore(t, c.prefix)
			names, err := store.ListBackups()
			require.NoError(t, err)
			assert.Equal(t, []string{"shop-2021"}, names, "Velero's backup sync lists it")
			exists, err := store.BackupExists(testBucket, "shop-2021")
			require.NoError(t, err)
			assert.True(t, exists)
		})
	}
}

func TestMetadataIsWrittenLast(t *testing.T) {
	files, err := appBackup(t, "shop-2021", diskSnapshots).Files("")
	require.NoError(t, err)
	require.Len(t, files, 6)
	assert.Equal(t, "backups/shop-2021/velero-backup.json", files[len(files)-1].Key,
		"a sync between two puts must not find a Backup without its tarball")
}

func TestVeleroReadsTheBackupMetadata(t *testing.T) {
	started := time.Date(2021, 3, 15, 2, 0, 0, 0, time.UTC)
	cases := []struct {
		name          string
		backup        Backup
		snapshots     int
		snapshotFlag  *bool
		locations     []string
		ttl           time.Duration
		gitVersion    string
		storage       string
		expectStarted time.Time
	}{
		{name: "defaults, no snapshots", backup: Backup{Name: "shop-2021"}, snapshotFlag: boolPtr(false),
			ttl: DefaultTTL, gitVersion: "v1.16.9-aliyun.1", storage: "default", expectStarted: started},
		{name: "disk snapshots", backup: Backup{Name: "shop-2021", Snapshots: diskSnapshots}, snapshots: 2,
			locations: []string{"default"}, ttl: DefaultTTL, gitVersion: "v1.16.9-aliyun.1", storage: "default", expectStarted: started},
		{name: "everything given", backup: Backup{Name: "nightly-20210316020000", Snapshots: diskSnapshots[:1],
			Started: started.Add(24*time.Hour + 1500*time.Millisecond), TTL: 720 * time.Hour, StorageLocation: "oss-hangzhou",
			SnapshotLocation: "ecs-hangzhou", ClusterVersion: "v1.18.8-aliyun.1"},
			snapshots: 1, locations: []string{"ecs-hangzhou"}, ttl: 720 * time.Hour, gitVersion: "v1.18.8-aliyun.1",
			storage: "oss-hangzhou", expectStarted: started.Add(24*time.Hour + time.Second)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			objs, err := App()
			require.NoError(t, err)
			c.backup.Objects = objs
			v := writeApp(t, "", c.backup)

			got, err := v.backupStore(t, "").GetBackupMetadata(c.backup.Name)
			require.NoError(t, err, "Velero 1.18.3 decodes velero-backup.json")
			assert.Equal(t, c.backup.Name, got.Name)
			assert.Equal(t, "velero", got.Namespace)
			assert.NotEmpty(t, got.UID)
			assert.Equal(t, map[string]string{velerov1.StorageLocationLabel: c.storage}, got.Labels)
			assert.Equal(t, map[string]string{
				velerov1.SourceClusterK8sGitVersionAnnotation:   c.gitVersion,
				velerov1.SourceClusterK8sMajorVersionAnnotation: "1",
				velerov1.SourceClusterK8sMinorVersionAnnotation: strings.Split(c.gitVersion, ".")[1],
			}, got.Annotations)

			assert.Equal(t, []string{AppNamespace}, got.Spec.IncludedNamespaces)
			assert.Equal(t, c.ttl, got.Spec.TTL.Duration)
			assert.Equal(t, c.storage, got.Spec.StorageLocation)
			assert.Equal(t, c.locations, got.Spec.VolumeSnapshotLocations)
			assert.Equal(t, c.snapshotFlag, got.Spec.SnapshotVolumes)
			assert.Equal(t, boolPtr(false), got.Spec.DefaultVolumesToRestic)

			assert.Equal(t, velerov1.BackupPhaseCompleted, got.Status.Phase)
			assert.Equal(t, "1.1.0", got.Status.FormatVersion)
			assert.Equal(t, 1, got.Status.Version)
			require.NotNil(t, got.Status.StartTimestamp)
			assert.Equal(t, c.expectStarted, got.Status.StartTimestamp.UTC())
			assert.Equal(t, c.expectStarted, got.CreationTimestamp.UTC())
			require.NotNil(t, got.Status.CompletionTimestamp)
			assert.Equal(t, c.expectStarted.Add(12*time.Second), got.Status.CompletionTimestamp.UTC(), "30 items at a third of a second each, plus two")
			require.NotNil(t, got.Status.Expiration)
			assert.Equal(t, c.expectStarted.Add(c.ttl), got.Status.Expiration.UTC())
			assert.Equal(t, c.snapshots, got.Status.VolumeSnapshotsAttempted)
			assert.Equal(t, c.snapshots, got.Status.VolumeSnapshotsCompleted)
			require.NotNil(t, got.Status.Progress)
			assert.Equal(t, velerov1.BackupProgress{TotalItems: 30, ItemsBackedUp: 30}, *got.Status.Progress)
			assert.Zero(t, got.Status.Errors)
			assert.Zero(t, got.Status.Warnings)
		})
	}
}

func boolPtr(b bool) *bool { return &b }

// The JSON is checked against a golden file because its shape, not only its values, is what marks it
// as an old Velero's: field order, the empty hooks, and none of the fields Velero added later.
func TestBackupJSONIsTheOldShape(t *testing.T) {
	files, err := appBackup(t, "shop-2021", diskSnapshots).Files("")
	require.NoError(t, err)
	got := files[len(files)-1].Body
	golden := filepath.Join("testdata", "golden", "velero-backup.json")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(golden), 0o755))
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
	for _, later := range []string{"csiSnapshotTimeout", "itemOperationTimeout", "snapshotMoveData", "datamover",
		"hookStatus", "backupItemOperationsAttempted", "defaultVolumesToFsBackup", `"metadata": {}`} {
		assert.NotContains(t, string(got), later, "Velero v1.5/v1.6 did not write it")
	}
}

func TestVeleroReadsTheSideFiles(t *testing.T) {
	v := writeApp(t, "legacy", appBackup(t, "shop-2021", diskSnapshots))
	store := v.backupStore(t, "legacy")

	pvbs, err := store.GetPodVolumeBackups("shop-2021")
	require.NoError(t, err)
	assert.Empty(t, pvbs)

	snaps, err := store.GetBackupVolumeSnapshots("shop-2021")
	require.NoError(t, err)
	require.Len(t, snaps, 2)
	meta, err := store.GetBackupMetadata("shop-2021")
	require.NoError(t, err)
	for i, want := range []struct{ pv, id, volumeType string }{
		{"d-bp1legacy0000000001", "s-bp1legacysnap000001", "cloud_ssd"},
		{"d-bp1legacy0000000002", "s-bp1legacysnap000002", "cloud_efficiency"},
	} {
		s := snaps[i]
		assert.Equal(t, "shop-2021", s.Spec.BackupName)
		assert.Equal(t, string(meta.UID), s.Spec.BackupUID)
		assert.Equal(t, "default", s.Spec.Location)
		assert.Equal(t, want.pv, s.Spec.PersistentVolumeName)
		assert.Equal(t, want.pv, s.Spec.ProviderVolumeID, "ACK named disk PVs after the disk")
		assert.Equal(t, want.volumeType, s.Spec.VolumeType)
		assert.Equal(t, "cn-hangzhou-g", s.Spec.VolumeAZ)
		assert.Nil(t, s.Spec.VolumeIOPS)
		assert.Equal(t, want.id, s.Status.ProviderSnapshotID)
		assert.Equal(t, "Completed", string(s.Status.Phase))
	}

	// Files newer Velero versions add are absent, and the reader takes that as "none".
	csi, err := store.GetCSIVolumeSnapshots("shop-2021")
	require.NoError(t, err)
	assert.Nil(t, csi)
	infos, err := store.GetBackupVolumeInfos("shop-2021")
	require.NoError(t, err)
	assert.Empty(t, infos, "no volume info: the restore falls back to the snapshot records")
	ops, err := store.GetBackupItemOperations("shop-2021")
	require.NoError(t, err)
	assert.Empty(t, ops)

	contents, err := store.GetBackupContents("shop-2021")
	require.NoError(t, err)
	defer contents.Close()
	data, err := io.ReadAll(contents)
	require.NoError(t, err)
	assert.Equal(t, v.objects["legacy/backups/shop-2021/shop-2021.tar.gz"], data)
}

func TestDownloadRequestsFindTheFiles(t *testing.T) {
	v := writeApp(t, "legacy", appBackup(t, "shop-2021", nil))
	store := v.backupStore(t, "legacy")
	for _, kind := range []velerov1.DownloadTargetKind{
		velerov1.DownloadTargetKindBackupContents,
		velerov1.DownloadTargetKindBackupLog,
		velerov1.DownloadTargetKindBackupVolumeSnapshots,
		velerov1.DownloadTargetKindBackupResourceList,
	} {
		t.Run(string(kind), func(t *testing.T) {
			url, err := store.GetDownloadURL(velerov1.DownloadTarget{Kind: kind, Name: "shop-2021"})
			require.NoError(t, err)
			key := strings.TrimPrefix(url, "mem://"+testBucket+"/")
			assert.Contains(t, v.objects, key, "velero backup logs/describe downloads %s", key)
		})
	}
}

func TestResourceListIsWhatDescribeShows(t *testing.T) {
	v := writeApp(t, "", appBackup(t, "shop-2021", nil))
	var list map[string][]string
	require.NoError(t, json.Unmarshal(gunzip(t, v.objects["backups/shop-2021/shop-2021-resource-list.json.gz"]), &list))
	ns := func(names ...string) []string {
		for i := range names {
			names[i] = AppNamespace + "/" + names[i]
		}
		return names
	}
	assert.Equal(t, map[string][]string{
		"apps/v1/ControllerRevision":        ns("db-5f7c8d9b4"),
		"apps/v1/Deployment":                ns("web"),
		"apps/v1/ReplicaSet":                ns("web-6c9f8d7b5d"),
		"apps/v1/StatefulSet":               ns("db"),
		"batch/v1/Job":                      ns("report-1615771800"),
		"batch/v1beta1/CronJob":             ns("report"),
		"extensions/v1beta1/Ingress":        ns("web"),
		"networking.k8s.io/v1beta1/Ingress": ns("web"),
		"v1/ConfigMap":                      ns("web-config"),
		"v1/Endpoints":                      ns("db", "web", "web-internal"),
		"v1/Namespace":                      {AppNamespace},
		"v1/PersistentVolume":               {"d-bp1legacy0000000001", "d-bp1legacy0000000002", "nas-legacy-files"},
		"v1/PersistentVolumeClaim":          ns("data-db-0", "files", "shared"),
		"v1/Pod":                            ns("db-0", "debug", "report-1615771800-k9z4q", "web-6c9f8d7b5d-7xk2p"),
		"v1/Secret":                         ns("app-credentials", "default-token-x2v7k", "web-tls"),
		"v1/Service":                        ns("db", "web", "web-internal"),
		"v1/ServiceAccount":                 ns("default"),
	}, list)
}

func TestSideFilesAreEncodedAsVeleroEncodedThem(t *testing.T) {
	v := writeApp(t, "", appBackup(t, "shop-2021", nil))
	for _, file := range []string{"shop-2021-podvolumebackups.json.gz", "shop-2021-volumesnapshots.json.gz"} {
		assert.Equal(t, "null\n", string(gunzip(t, v.objects["backups/shop-2021/"+file])),
			"%s: Velero json-encoded its nil list", file)
	}
}

// logLine is logrus's text format as Velero configured it.
var logLine = regexp.MustCompile(`^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" level=info msg="[^"]+"( [a-zA-Z]+=("[^"]*"|[-._/@^+a-zA-Z0-9]*))+$`)

func TestLogIsVelerosTextFormat(t *testing.T) {
	v := writeApp(t, "", appBackup(t, "shop-2021", diskSnapshots[:1]))
	lines := strings.Split(strings.TrimSuffix(string(gunzip(t, v.objects["backups/shop-2021/shop-2021-logs.gz"])), "\n"), "\n")
	for _, l := range lines {
		assert.Regexp(t, logLine, l)
		assert.Contains(t, l, "backup=velero/shop-2021")
		assert.Contains(t, l, "logSource=")
	}
	text := strings.Join(lines, "\n")
	assert.Contains(t, text, `msg="Including namespaces: legacy-shop"`)
	assert.Contains(t, text, `msg="Backing up item" backup=velero/shop-2021 logSource="pkg/backup/item_backupper.go:121" name=web namespace=legacy-shop resource=deployments.apps`)
	assert.Contains(t, text, `msg="Snapshotting persistent volume" backup=velero/shop-2021 logSource="pkg/backup/item_backupper.go:489" persistentVolume=d-bp1legacy0000000001 providerSnapshotID=s-bp1legacysnap000001`)
	assert.NotContains(t, text, "providerSnapshotID=s-bp1legacysnap000002")
	assert.True(t, strings.HasSuffix(text, `msg="Backed up a total of 30 items" backup=velero/shop-2021 logSource="pkg/backup/backup.go:451" progress=`))
	assert.Equal(t, `time="2021-03-15T02:00:00Z"`, strings.Fields(lines[0])[0])
	assert.Equal(t, `time="2021-03-15T02:00:12Z"`, strings.Fields(lines[len(lines)-1])[0])
}

func TestFilesAreDeterministic(t *testing.T) {
	first, err := appBackup(t, "shop-2021", diskSnapshots).Files("legacy")
	require.NoError(t, err)
	second, err := appBackup(t, "shop-2021", diskSnapshots).Files("legacy")
	require.NoError(t, err)
	assert.Equal(t, first, second)
	other, err := appBackup(t, "shop-2022", diskSnapshots).Files("legacy")
	require.NoError(t, err)
	assert.NotEqual(t, first[len(first)-1].Body, other[len(other)-1].Body)
}

func TestWriteReportsTheFailingKey(t *testing.T) {
	v := newVault(testBucket)
	v.failKey = "legacy/backups/shop-2021/shop-2021.tar.gz"
	err := Write(context.Background(), v, testBucket, "legacy", appBackup(t, "shop-2021", nil))
	require.Error(t, err)
	assert.ErrorIs(t, err, errPut)
	assert.Contains(t, err.Error(), "legacy backup shop-2021: put legacy/backups/shop-2021/shop-2021.tar.gz: ")
	assert.NotContains(t, v.objects, "legacy/backups/shop-2021/velero-backup.json", "no Backup without its tarball")
}

func TestBackupErrors(t *testing.T) {
	pv := func(mutate func(obj *unstructured.Unstructured)) []*unstructured.Unstructured {
		objs, err := App()
		require.NoError(t, err)
		for _, o := range objs {
			if o.GetName() == "d-bp1legacy0000000001" {
				mutate(o)
			}
		}
		return objs
	}
	obj := func(apiVersion, kind, ns, name string) *unstructured.Unstructured {
		o := &unstructured.Unstructured{}
		o.SetAPIVersion(apiVersion)
		o.SetKind(kind)
		o.SetNamespace(ns)
		o.SetName(name)
		return o
	}
	cases := []struct {
		name   string
		backup Backup
		want   string
	}{
		{"no name", Backup{Objects: []*unstructured.Unstructured{obj("v1", "Pod", "a", "p")}}, `backup name "" must be non-empty`},
		{"slash in name", Backup{Name: "a/b", Objects: []*unstructured.Unstructured{obj("v1", "Pod", "a", "p")}}, `backup name "a/b"`},
		{"no objects", Backup{Name: "b"}, "no objects to back up"},
		{"no kind", Backup{Name: "b", Objects: []*unstructured.Unstructured{obj("v1", "", "a", "p")}}, `object " a/p" has no apiVersion or kind`},
		{"no name on object", Backup{Name: "b", Objects: []*unstructured.Unstructured{obj("v1", "Pod", "a", "")}}, "Pod object has no name"},
		{"unknown kind", Backup{Name: "b", Objects: []*unstructured.Unstructured{obj("example.com/v1", "Widget", "a", "w")}},
			`kind Widget of group "example.com" is not in the resource table`},
		{"namespaced without namespace", Backup{Name: "b", Objects: []*unstructured.Unstructured{obj("v1", "Pod", "", "p")}},
			`pods is namespaced=true but the object's namespace is ""`},
		{"cluster-scoped with namespace", Backup{Name: "b", Objects: []*unstructured.Unstructured{obj("v1", "PersistentVolume", "a", "pv")}},
			`persistentvolumes is namespaced=false but the object's namespace is "a"`},
		{"duplicate", Backup{Name: "b", Objects: []*unstructured.Unstructured{obj("v1", "Pod", "a", "p"), obj("v1", "Pod", "a", "p")}},
			"object v1/Pod a/p is given twice"},
		{"bad cluster version", Backup{Name: "b", ClusterVersion: "1.16", Objects: []*unstructured.Unstructured{obj("v1", "Pod", "a", "p")}},
			`cluster version "1.16" is not a Kubernetes gitVersion`},
		{"snapshot without ID", Backup{Name: "b", Objects: pv(func(*unstructured.Unstructured) {}),
			Snapshots: []Snapshot{{PV: "d-bp1legacy0000000001"}}}, `snapshot of PV "d-bp1legacy0000000001" has no ID`},
		{"snapshot of unknown PV", Backup{Name: "b", Objects: pv(func(*unstructured.Unstructured) {}),
			Snapshots: []Snapshot{{PV: "d-nope", ID: "s-1"}}}, `snapshot s-1 names PV "d-nope", which is not among the objects`},
		{"two snapshots of a PV", Backup{Name: "b", Objects: pv(func(*unstructured.Unstructured) {}),
			Snapshots: []Snapshot{diskSnapshots[0], diskSnapshots[0]}}, `PV "d-bp1legacy0000000001" has two snapshots`},
		{"snapshot of NAS", Backup{Name: "b", Objects: pv(func(*unstructured.Unstructured) {}),
			Snapshots: []Snapshot{{PV: "nas-legacy-files", ID: "s-1"}}}, `not a FlexVolume disk (driver "alicloud/nas")`},
		{"disk without volumeId", Backup{Name: "b", Objects: pv(func(o *unstructured.Unstructured) {
			unstructured.RemoveNestedField(o.Object, "spec", "flexVolume", "options", "volumeId")
		}), Snapshots: diskSnapshots[:1]}, "flexVolume options hold no volumeId"},
		{"unknown class", Backup{Name: "b", Objects: pv(func(o *unstructured.Unstructured) {
			require.NoError(t, unstructured.SetNestedField(o.Object, "fast", "spec", "storageClassName"))
		}), Snapshots: diskSnapshots[:1]}, `no disk category known for storage class "fast"`},
		{"no zone", Backup{Name: "b", Objects: pv(func(o *unstructured.Unstructured) { o.SetLabels(nil) }),
			Snapshots: diskSnapshots[:1]}, "the PV has no zone label"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := newVault(testBucket)
			err := Write(context.Background(), v, testBucket, "", c.backup)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Empty(t, v.objects, "nothing is written when the backup cannot be built")
		})
	}
}

func TestSnapshotOverridesWin(t *testing.T) {
	b := appBackup(t, "shop-2021", []Snapshot{{PV: "d-bp1legacy0000000001", ID: "s-1", VolumeType: "cloud_essd", AZ: "cn-hangzhou-h"}})
	v := writeApp(t, "", b)
	snaps, err := v.backupStore(t, "").GetBackupVolumeSnapshots("shop-2021")
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	assert.Equal(t, "cloud_essd", snaps[0].Spec.VolumeType)
	assert.Equal(t, "cn-hangzhou-h", snaps[0].Spec.VolumeAZ)
}
