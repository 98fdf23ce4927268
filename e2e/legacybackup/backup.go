package legacybackup

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Defaults a Backup falls back to.
const (
	// DefaultStarted is when the fixture's backup ran: the objects in testdata/app were last touched
	// shortly before.
	DefaultStarted = "2021-03-15T02:00:00Z"
	// DefaultTTL is ten years. Velero's own default, 720h, would have expired a 2021 backup long ago,
	// and Velero's garbage collector deletes an expired backup as soon as the sync creates it.
	DefaultTTL = 10 * 365 * 24 * time.Hour
	// DefaultClusterVersion is the source cluster's version as ACK reported it.
	DefaultClusterVersion = "v1.16.9-aliyun.1"
	// DefaultLocation names both the source cluster's backup and its snapshot location.
	DefaultLocation = "default"
)

// Backup is one backup as Velero v1.5 to v1.9 (without the EnableCSI and EnableAPIGroupVersions
// features) wrote it from a Kubernetes 1.16 cluster.
type Backup struct {
	// Name is the Backup's name and its directory in the vault.
	Name string
	// Objects are backed up as they are: Velero stored what the API server returned, status included.
	Objects []*unstructured.Unstructured
	// Started is when the backup ran; zero means DefaultStarted. It also dates the tarball's entries and
	// the log lines.
	Started time.Time
	// TTL sets the expiration; zero means DefaultTTL. A backup past its expiration is deleted by the
	// target's Velero right after it is synced.
	TTL time.Duration
	// StorageLocation and SnapshotLocation are the source cluster's location names; "" means
	// DefaultLocation. A restore looks the snapshot location up by name in the target cluster.
	StorageLocation  string
	SnapshotLocation string
	// ClusterVersion is the source API server's gitVersion; "" means DefaultClusterVersion.
	ClusterVersion string
	// Snapshots are the native disk snapshots the Alibaba Cloud plugin took. With none, the backup is
	// one taken with --snapshot-volumes=false and a restore re-creates PVs as they were.
	Snapshots []Snapshot
}

// Snapshot is one disk snapshot of a FlexVolume disk PV.
type Snapshot struct {
	// PV names the PersistentVolume among the Objects.
	PV string
	// ID is the ECS snapshot ID the restore will create the new disk from.
	ID string
	// VolumeType is the disk category; "" derives it from the PV's storage class.
	VolumeType string
	// AZ is the disk's zone; "" takes the PV's zone label.
	AZ string
}

// File is one object of the backup in the vault.
type File struct {
	Key  string
	Body []byte
}

// ObjectPutter stores an object; pkg/cloud/oss.Client is one.
type ObjectPutter interface {
	PutObject(ctx context.Context, bucket, key string, body io.Reader) error
}

// Write puts the backup into bucket under <prefix>/backups/<name>/, the layout Velero uses for a
// location with that prefix.
func Write(ctx context.Context, store ObjectPutter, bucket, prefix string, b Backup) error {
	files, err := b.Files(prefix)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := store.PutObject(ctx, bucket, f.Key, bytes.NewReader(f.Body)); err != nil {
			return fmt.Errorf("legacy backup %s: put %s: %w", b.Name, f.Key, err)
		}
	}
	return nil
}

// Files returns the objects of the backup in the order Write puts them: velero-backup.json comes last,
// so that a backup sync running meanwhile never creates a Backup whose tarball is not there yet (Velero
// itself wrote it second).
func (b Backup) Files(prefix string) ([]File, error) {
	b, err := b.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("legacy backup %s: %w", b.Name, err)
	}
	items, err := itemsOf(b.Objects)
	if err != nil {
		return nil, fmt.Errorf("legacy backup %s: %w", b.Name, err)
	}
	snapshots, err := b.volumeSnapshots(items)
	if err != nil {
		return nil, fmt.Errorf("legacy backup %s: %w", b.Name, err)
	}
	// No restic: Velero encoded its nil list of pod volume backups as null.
	var podVolumeBackups []any
	dir := backupDir(prefix, b.Name)
	parts := []struct {
		file string
		body func() ([]byte, error)
	}{
		{b.Name + "-logs.gz", func() ([]byte, error) { return gzipBytes(b.log(items)) }},
		{b.Name + ".tar.gz", func() ([]byte, error) { return b.tarball(items) }},
		{b.Name + "-podvolumebackups.json.gz", func() ([]byte, error) { return jsonGzip(podVolumeBackups) }},
		{b.Name + "-volumesnapshots.json.gz", func() ([]byte, error) { return jsonGzip(snapshots) }},
		{b.Name + "-resource-list.json.gz", func() ([]byte, error) { return jsonGzip(resourceList(items)) }},
		{"velero-backup.json", func() ([]byte, error) { return b.metadata(items, len(snapshots)) }},
	}
	files := make([]File, 0, len(parts))
	for _, p := range parts {
		body, err := p.body()
		if err != nil {
			return nil, fmt.Errorf("legacy backup %s: %s: %w", b.Name, p.file, err)
		}
		files = append(files, File{Key: dir + p.file, Body: body})
	}
	return files, nil
}

// backupDir is where Velero's object store layout keeps a backup: the location's prefix, without the
// slashes Velero trims, then backups/<name>/.
func backupDir(prefix, name string) string {
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		prefix += "/"
	}
	return prefix + "backups/" + name + "/"
}

func (b Backup) withDefaults() (Backup, error) {
	if b.Name == "" || strings.Contains(b.Name, "/") {
		return b, fmt.Errorf("backup name %q must be non-empty and hold no slash", b.Name)
	}
	if b.Started.IsZero() {
		b.Started, _ = time.Parse(time.RFC3339, DefaultStarted)
	}
	b.Started = b.Started.UTC().Truncate(time.Second)
	if b.TTL == 0 {
		b.TTL = DefaultTTL
	}
	if b.StorageLocation == "" {
		b.StorageLocation = DefaultLocation
	}
	if b.SnapshotLocation == "" {
		b.SnapshotLocation = DefaultLocation
	}
	if b.ClusterVersion == "" {
		b.ClusterVersion = DefaultClusterVersion
	}
	return b, nil
}

// itemsOf places every object and sorts them by resource, namespace and name.
func itemsOf(objs []*unstructured.Unstructured) ([]item, error) {
	if len(objs) == 0 {
		return nil, fmt.Errorf("no objects to back up")
	}
	seen := map[string]bool{}
	items := make([]item, 0, len(objs))
	for _, obj := range objs {
		it, err := itemFor(obj)
		if err != nil {
			return nil, err
		}
		key := it.groupResource + "/" + it.listEntry()
		if seen[key] {
			return nil, fmt.Errorf("object %s %s is given twice", it.listKey(), it.listEntry())
		}
		seen[key] = true
		items = append(items, it)
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if a.groupResource != b.groupResource {
			return a.groupResource < b.groupResource
		}
		if a.namespace != b.namespace {
			return a.namespace < b.namespace
		}
		return a.obj.GetName() < b.obj.GetName()
	})
	return items, nil
}

// namespaces are the backup's includedNamespaces: those of the namespaced objects.
func namespaces(items []item) []string {
	set := map[string]bool{}
	for _, it := range items {
		if it.namespace != "" {
			set[it.namespace] = true
		} else if it.gvk.Kind == "Namespace" {
			set[it.obj.GetName()] = true
		}
	}
	out := make([]string, 0, len(set))
	for ns := range set {
		out = append(out, ns)
	}
	sort.Strings(out)
	return out
}

func resourceList(items []item) map[string][]string {
	list := map[string][]string{}
	for _, it := range items {
		list[it.listKey()] = append(list[it.listKey()], it.listEntry())
	}
	return list
}

// completed is when the backup finished: Velero took about a third of a second per item here.
func (b Backup) completed(items []item) time.Time {
	return b.Started.Add(time.Duration(len(items)/3+2) * time.Second)
}
