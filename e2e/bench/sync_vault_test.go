package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/oss"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore"
)

const (
	syncBackups = 1000
	syncPrefix  = "vault"
	syncIndex   = syncPrefix + "/plugins/csdr/"
)

// syncSources are the clusters that made the vault's backups; they all joined before any backup.
var syncSources = []string{"source-a", "source-b", "source-c", "source-d"}

// syncPhase is the phase backup i of the vault ended in: most Completed, some still waiting for their
// operations (not expired, so no cluster syncs them yet), some Failed or PartiallyFailed.
func syncPhase(i int) velerov1.BackupPhase {
	switch {
	case i%25 == 3:
		return velerov1.BackupPhaseWaitingForPluginOperations
	case i%50 == 7:
		return velerov1.BackupPhaseFailed
	case i%50 == 13:
		return velerov1.BackupPhasePartiallyFailed
	}
	return velerov1.BackupPhaseCompleted
}

// syncTombstoned tells whether a cluster other than its source deleted backup i (before any measured
// cluster joined), and which.
func syncTombstoned(i int) (string, bool) {
	return syncSources[(i+1)%len(syncSources)], i%100 == 42
}

// vaultSummary counts what fillSyncVault wrote.
type vaultSummary struct {
	objects, incomplete, failed, tombstones int
}

// fillSyncVault writes 1,000 backups straight into the emulator's store, as Velero and the vault
// index would have left them: every file Velero writes for a backup (the .gz ones valid gzip), and
// under <prefix>plugins/csdr/ the name claim, the source, the completed mark and a few tombstones.
func fillSyncVault(b *testing.B, store *oss.Service) vaultSummary {
	var sum vaultSummary
	put := func(key string, data []byte) {
		_, err := store.PutObject(bucket, key, data)
		require.NoError(b, err)
		sum.objects++
	}
	emptyList := gzipped(b, []byte("[]"))
	for _, id := range syncSources {
		put(syncIndex+"clusters/"+id, nil)
	}
	for i := range syncBackups {
		name, source := fmt.Sprintf("backup-%04d", i), syncSources[i%len(syncSources)]
		phase := syncPhase(i)
		dir := syncPrefix + "/backups/" + name + "/"
		put(syncIndex+"claims/"+name, []byte(source))
		put(syncIndex+"backups/"+name+"/source/"+source, nil)
		put(dir+"velero-backup.json", backupJSON(b, name, source, phase))
		for _, f := range []string{"-logs.gz", ".tar.gz", "-podvolumebackups.json.gz", "-volumesnapshots.json.gz",
			"-volumeinfo.json.gz", "-itemoperations.json.gz", "-resource-list.json.gz", "-results.gz"} {
			put(dir+name+f, emptyList)
		}
		switch phase {
		case velerov1.BackupPhaseCompleted:
			put(syncIndex+"backups/"+name+"/completed", nil)
		case velerov1.BackupPhaseFailed, velerov1.BackupPhasePartiallyFailed:
			sum.failed++
		default:
			sum.incomplete++
		}
		if by, ok := syncTombstoned(i); ok {
			put(syncIndex+"backups/"+name+"/deleted/"+by, nil)
			sum.tombstones++
		}
	}
	return sum
}

// backupJSON is velero-backup.json as the source's object store writes it: the source annotation
// on, the data locations on a finished backup.
func backupJSON(b *testing.B, name, source string, phase velerov1.BackupPhase) []byte {
	start := metav1.NewTime(time.Now().Add(-time.Hour).UTC().Truncate(time.Second))
	expires := metav1.NewTime(start.Add(30 * 24 * time.Hour))
	backup := velerov1.Backup{
		TypeMeta: metav1.TypeMeta{APIVersion: velerov1.SchemeGroupVersion.String(), Kind: "Backup"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "velero",
			Labels:      map[string]string{velerov1.StorageLocationLabel: "default"},
			Annotations: map[string]string{v1alpha1.SourceClusterKey: source}},
		Spec: velerov1.BackupSpec{StorageLocation: "default", IncludedNamespaces: []string{"shop"},
			TTL: metav1.Duration{Duration: 30 * 24 * time.Hour}},
		Status: velerov1.BackupStatus{Phase: phase, StartTimestamp: &start, Expiration: &expires, Version: 1},
	}
	if phase != velerov1.BackupPhaseWaitingForPluginOperations {
		backup.Status.CompletionTimestamp = &start
		locs, err := datalocation.Encode([]datalocation.Location{
			{Volume: "shop/data", Kind: datalocation.ECSSnapshot, ID: "s-" + name, Region: "cn-hangzhou", State: datalocation.Exists},
			{Volume: "shop/files", Kind: datalocation.HBRSnapshot, ID: "s-hbr-" + name, Region: "cn-hangzhou",
				Vault: "v-bench", VaultName: "ack-backup-data", State: datalocation.Exists},
		})
		require.NoError(b, err)
		backup.Annotations[v1alpha1.DataLocationsAnnotation] = locs
	}
	data, err := json.Marshal(backup)
	require.NoError(b, err)
	return data
}

func gzipped(b *testing.B, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(b, err)
	require.NoError(b, zw.Close())
	return buf.Bytes()
}

// benchCluster is a cluster with a fixed identity and no Backups of its own: a sync asks about
// backups it does not have.
type benchCluster struct{ id string }

var _ objectstore.Cluster = benchCluster{}

func (c benchCluster) Identity(context.Context) (string, error) { return c.id, nil }

func (benchCluster) BackupPhase(context.Context, string) (velerov1.BackupPhase, bool, error) {
	return "", false, nil
}

func (benchCluster) BackupSource(context.Context, string) (string, bool, error) {
	return "", false, nil
}

func (benchCluster) FilesystemLocations(context.Context, string) ([]datalocation.Location, error) {
	return nil, nil
}

func (benchCluster) AnnotateBackup(context.Context, string, map[string]string) error { return nil }
