package objectstore

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore/bslconfig"
)

// fakeCluster is a cluster's Velero namespace in memory: its Backups' phases and annotations, its
// filesystem backups' HBR snapshots, and failures to inject.
type fakeCluster struct {
	mu          sync.Mutex
	id          string
	idErr       error
	phaseErr    error
	phases      map[string]velerov1.BackupPhase
	filesystem  map[string][]datalocation.Location
	fsErr       error
	annotations map[string]map[string]string
	annotateErr error
}

var _ Cluster = (*fakeCluster)(nil)

func newFakeCluster(id string) *fakeCluster {
	return &fakeCluster{id: id, phases: map[string]velerov1.BackupPhase{}, filesystem: map[string][]datalocation.Location{},
		annotations: map[string]map[string]string{}}
}

func (f *fakeCluster) Identity(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.id, f.idErr
}

func (f *fakeCluster) BackupPhase(_ context.Context, name string) (velerov1.BackupPhase, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.phases[name]
	return p, ok, f.phaseErr
}

func (f *fakeCluster) BackupSource(_ context.Context, name string) (string, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.phases[name]
	return f.annotations[name][v1alpha1.SourceClusterKey], ok, f.phaseErr
}

func (f *fakeCluster) FilesystemLocations(_ context.Context, backup string) ([]datalocation.Location, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.filesystem[backup], f.fsErr
}

func (f *fakeCluster) AnnotateBackup(_ context.Context, name string, annotations map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.annotateErr != nil {
		return f.annotateErr
	}
	if f.annotations[name] == nil {
		f.annotations[name] = map[string]string{}
	}
	maps.Copy(f.annotations[name], annotations)
	return nil
}

const (
	vaultBucket = "shared-vault"
	vaultPrefix = "velero"
)

// member is one cluster on the shared vault: its object store, its Velero namespace, its log.
type member struct {
	store   *ObjectStore
	cluster *fakeCluster
	log     *logtest.Hook
}

// join makes cluster id's object store on vault, as the plugin binary does.
func join(t *testing.T, vault *memoryOSS, id string) *member {
	t.Helper()
	return joinVia(t, func(oss.Config) (oss.Client, error) { return vault, nil }, id, nil)
}

// joinVia makes cluster id's object store with newClient, on a location with config besides the
// bucket, prefix, region and credentials.
func joinVia(t *testing.T, newClient func(oss.Config) (oss.Client, error), id string, config map[string]string) *member {
	t.Helper()
	cluster := newFakeCluster(id)
	deps := DefaultDependencies()
	deps.Environment = bslconfig.Environment{}
	deps.NewClient = newClient
	deps.Cluster = cluster
	deps.Now = func() time.Time { return time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC) }
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	store := New(log, deps)
	location := map[string]string{"bucket": vaultBucket, "prefix": vaultPrefix, "region": "cn-hangzhou", "credentialsFile": credentialsFile(t)}
	maps.Copy(location, config)
	require.NoError(t, store.Init(location))
	return &member{store: store, cluster: cluster, log: hook}
}

// backup writes backup name as Velero does: logs, velero-backup.json in the given phase, tarball,
// volume files; an ended backup then gets its final velero-backup.json as the finalizer writes it.
func (m *member) backup(t *testing.T, name string, phase velerov1.BackupPhase, volumes ...volumeInfo) {
	t.Helper()
	m.cluster.mu.Lock()
	m.cluster.phases[name] = velerov1.BackupPhaseInProgress
	m.cluster.mu.Unlock()
	first := phase
	if ended(phase) {
		first = velerov1.BackupPhaseFinalizing
	}
	dir := vaultPrefix + "/backups/" + name + "/"
	require.NoError(t, m.store.PutObject(vaultBucket, dir+name+"-logs.gz", bytes.NewReader([]byte("logs of "+name))))
	require.NoError(t, m.store.PutObject(vaultBucket, dir+"velero-backup.json", bytes.NewReader(backupJSON(t, name, first))))
	require.NoError(t, m.store.PutObject(vaultBucket, dir+name+".tar.gz", bytes.NewReader([]byte("tarball of "+name))))
	require.NoError(t, m.store.PutObject(vaultBucket, dir+name+"-volumeinfo.json.gz", bytes.NewReader(gzipJSON(t, volumes))))
	if first != phase {
		require.NoError(t, m.store.PutObject(vaultBucket, dir+"velero-backup.json", bytes.NewReader(backupJSON(t, name, phase))))
	}
	m.cluster.mu.Lock()
	m.cluster.phases[name] = phase
	m.cluster.mu.Unlock()
}

// sync lists the vault's backups as Velero's backup sync does, returning their names, and keeps the
// cluster's Backups as the sync does: a listed backup it lacks is created from its
// velero-backup.json, a Completed one the listing lacks is deleted.
func (m *member) sync(t *testing.T) []string {
	t.Helper()
	prefixes, err := m.store.ListCommonPrefixes(vaultBucket, vaultPrefix+"/backups/", "/")
	require.NoError(t, err)
	names := []string{}
	for _, p := range prefixes {
		name, ok := m.store.shared.index.Layout.ParseVeleroBackupDir(p)
		require.True(t, ok, p)
		names = append(names, name)
	}
	m.cluster.mu.Lock()
	defer m.cluster.mu.Unlock()
	for _, name := range names {
		if _, ok := m.cluster.phases[name]; ok {
			continue
		}
		rc, err := m.store.GetObject(vaultBucket, vaultPrefix+"/backups/"+name+"/velero-backup.json")
		require.NoError(t, err)
		var b velerov1.Backup
		require.NoError(t, json.NewDecoder(rc).Decode(&b))
		require.NoError(t, rc.Close())
		m.cluster.phases[name], m.cluster.annotations[name] = b.Status.Phase, b.Annotations
	}
	for name, phase := range m.cluster.phases {
		if phase == velerov1.BackupPhaseCompleted && !slices.Contains(names, name) {
			delete(m.cluster.phases, name)
			delete(m.cluster.annotations, name)
		}
	}
	return names
}

// deleteBackup deletes backup name as Velero's DeleteBackup does, every key under its folder, and
// then the Backup here.
func (m *member) deleteBackup(t *testing.T, name string) error {
	t.Helper()
	keys, err := m.store.ListObjects(vaultBucket, vaultPrefix+"/backups/"+name+"/")
	require.NoError(t, err)
	for _, k := range keys {
		if err := m.store.DeleteObject(vaultBucket, k); err != nil {
			return err
		}
	}
	m.cluster.mu.Lock()
	defer m.cluster.mu.Unlock()
	delete(m.cluster.phases, name)
	delete(m.cluster.annotations, name)
	return nil
}

func backupJSON(t *testing.T, name string, phase velerov1.BackupPhase) []byte {
	t.Helper()
	b := velerov1.Backup{
		TypeMeta:   metav1.TypeMeta{APIVersion: "velero.io/v1", Kind: "Backup"},
		ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: name, Labels: map[string]string{"app": "shop"}, Annotations: map[string]string{"velero.io/source-cluster-k8s-major-version": "1"}},
		Spec:       velerov1.BackupSpec{IncludedNamespaces: []string{"shop"}, StorageLocation: "default"},
		Status:     velerov1.BackupStatus{Phase: phase, Version: 1, FormatVersion: "1.1.0", Progress: &velerov1.BackupProgress{TotalItems: 42, ItemsBackedUp: 42}},
	}
	data, err := json.MarshalIndent(b, "", "  ")
	require.NoError(t, err)
	return data
}

func gzipJSON(t *testing.T, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	require.NoError(t, json.NewEncoder(zw).Encode(v))
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

// nativeSnapshot is a volumeinfo entry of a VolumeSnapshotter snapshot.
func nativeSnapshot(ns, pvc, pv, handle string) volumeInfo {
	vi := volumeInfo{PVCNamespace: ns, PVCName: pvc, PVName: pv, BackupMethod: nativeSnapshotMethod}
	vi.NativeSnapshotInfo = &nativeSnapshotInfo{SnapshotHandle: handle, Phase: "Completed"}
	return vi
}

// storedBackup reads velero-backup.json of name back from the vault.
func storedBackup(t *testing.T, vault *memoryOSS, name string) velerov1.Backup {
	t.Helper()
	data, ok := vault.object(vaultBucket, fmt.Sprintf("%s/backups/%s/velero-backup.json", vaultPrefix, name))
	require.True(t, ok, "velero-backup.json of %s", name)
	var b velerov1.Backup
	require.NoError(t, json.Unmarshal(data, &b))
	return b
}

func denied() error {
	return &cloud.Error{Service: "oss", Operation: "PutObject", Kind: cloud.ErrDenied, Code: "AccessDenied", Status: 403, RequestID: "RID-denied"}
}
