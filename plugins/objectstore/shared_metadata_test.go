package objectstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// velero-backup.json carries its source and, once the backup has ended, where each volume's data is;
// the Backup here gets its source at Velero's first write (never at the finalizer's, which a change
// to the Backup would wake again), and a Completed backup becomes visible to other clusters.
func TestBackupMetadataAnnotations(t *testing.T) {
	checked := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	exists := func(l datalocation.Location) datalocation.Location {
		l.State, l.CheckedAt = datalocation.Exists, &checked
		return l
	}
	hbr := datalocation.Location{Volume: "shop/files", PersistentVolume: "nas-1", Kind: datalocation.HBRSnapshot, ID: "s-hbr01", Region: "cn-beijing", Vault: "v-01", VaultName: "ack-backup-data"}
	ecsQualified := datalocation.Location{Volume: "shop/db", PersistentVolume: "d-1", Kind: datalocation.ECSSnapshot, ID: "s-bp1aaa", Region: "cn-shanghai"}
	ecsBare := datalocation.Location{Volume: "shop/cache", PersistentVolume: "d-2", Kind: datalocation.ECSSnapshot, ID: "s-bp1bbb", Region: "cn-hangzhou"}
	failed := nativeSnapshot("shop", "broken", "d-3", "cn-hangzhou/s-bp1ccc")
	failed.NativeSnapshotInfo.Phase = snapshotFailed
	volumes := []volumeInfo{
		nativeSnapshot("shop", "db", "d-1", "cn-shanghai/s-bp1aaa"),
		nativeSnapshot("shop", "cache", "d-2", "s-bp1bbb"),
		nativeSnapshot("shop", "ebs", "pv-aws", "snap-0123456789abcdef0"), // another provider's
		failed,
		{PVCNamespace: "shop", PVCName: "csi", PVName: "pv-csi", BackupMethod: "CSISnapshot"},
	}
	tests := []struct {
		name      string
		phase     velerov1.BackupPhase
		setup     func(*member)
		locations []datalocation.Location // nil: no data-locations annotation
		completed bool
		warning   string
	}{
		{name: "completed", phase: velerov1.BackupPhaseCompleted, locations: []datalocation.Location{exists(ecsQualified), exists(ecsBare), exists(hbr)}, completed: true},
		{name: "partially failed", phase: velerov1.BackupPhasePartiallyFailed, locations: []datalocation.Location{exists(ecsQualified), exists(ecsBare), exists(hbr)}},
		{name: "failed", phase: velerov1.BackupPhaseFailed},
		{name: "in progress", phase: velerov1.BackupPhaseInProgress},
		{name: "HBR snapshots cannot be listed", phase: velerov1.BackupPhaseCompleted, completed: true,
			setup:   func(m *member) { m.cluster.fsErr = errors.New("forbidden") },
			warning: "could not list where its volumes' data is; annotation csdr.io/data-locations is left out"},
		{name: "the Backup here cannot be annotated", phase: velerov1.BackupPhaseFinalizing,
			setup:   func(m *member) { m.cluster.annotateErr = errors.New("conflict") },
			warning: "could not annotate the Backup with its source cluster; the copy in the vault has it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vault := newMemoryOSS()
			a := join(t, vault, "uid-a")
			a.cluster.filesystem["n"] = []datalocation.Location{hbr}
			if tt.setup != nil {
				tt.setup(a)
			}
			a.backup(t, "n", tt.phase, volumes...)

			stored := storedBackup(t, vault, "n")
			assert.Equal(t, "uid-a", stored.Annotations["csdr.io/source-cluster"])
			assert.Equal(t, "1", stored.Annotations["velero.io/source-cluster-k8s-major-version"], "Velero's annotations stay")
			assert.Equal(t, map[string]string{"app": "shop"}, stored.Labels)
			assert.Equal(t, tt.phase, stored.Status.Phase)
			assert.Equal(t, 42, stored.Status.Progress.ItemsBackedUp)
			assert.Equal(t, []string{"shop"}, stored.Spec.IncludedNamespaces)
			encoded, has := stored.Annotations["csdr.io/data-locations"]
			assert.Equal(t, tt.locations != nil, has)
			if tt.locations != nil {
				want, err := datalocation.Encode(tt.locations)
				require.NoError(t, err)
				assert.Equal(t, want, encoded)
			}
			if here := a.cluster.annotations["n"]; a.cluster.annotateErr == nil {
				assert.Equal(t, "uid-a", here["csdr.io/source-cluster"], "from Velero's first write")
				assert.NotContains(t, here, "csdr.io/data-locations", "the finalizer's write leaves the Backup alone")
			}
			_, completed := vault.object(vaultBucket, "velero/plugins/csdr/backups/n/completed")
			assert.Equal(t, tt.completed, completed)
			warnings := entries(a.log, logrus.WarnLevel)
			if tt.warning == "" {
				assert.Empty(t, warnings)
			} else {
				require.NotEmpty(t, warnings)
				for _, w := range warnings { // once per write of velero-backup.json
					assert.Contains(t, w, tt.warning)
				}
			}
			assert.Empty(t, entries(a.log, logrus.ErrorLevel), "an error-level log would make the backup PartiallyFailed")
		})
	}
}

// Backups made before Velero wrote volumeinfo have only volumesnapshots.json.gz.
func TestDataLocationsFromVolumeSnapshots(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	snaps := []volumeSnapshot{{}, {}}
	snaps[0].Spec.PersistentVolumeName, snaps[0].Status.ProviderSnapshotID, snaps[0].Status.Phase = "d-1", "cn-shanghai/s-bp1aaa", "Completed"
	snaps[1].Spec.PersistentVolumeName, snaps[1].Status.ProviderSnapshotID, snaps[1].Status.Phase = "d-2", "s-bp1bbb", "Failed"
	require.NoError(t, vault.PutObject(t.Context(), vaultBucket, "velero/backups/n/n-volumesnapshots.json.gz", strings.NewReader(string(gzipJSON(t, snaps)))))
	require.NoError(t, a.store.PutObject(vaultBucket, "velero/backups/n/velero-backup.json", strings.NewReader(string(backupJSON(t, "n", velerov1.BackupPhaseCompleted)))))
	locs, err := datalocation.Decode(storedBackup(t, vault, "n").Annotations["csdr.io/data-locations"])
	require.NoError(t, err)
	require.Len(t, locs, 1)
	assert.Equal(t, datalocation.Location{Volume: "d-1", PersistentVolume: "d-1", Kind: datalocation.ECSSnapshot, ID: "s-bp1aaa", Region: "cn-shanghai",
		State: datalocation.Exists, CheckedAt: locs[0].CheckedAt}, locs[0])
}

// A velero-backup.json the plugin cannot read goes to the vault as Velero wrote it.
func TestUnreadableMetadataIsWrittenAsItIs(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	require.NoError(t, a.store.PutObject(vaultBucket, "velero/backups/n/velero-backup.json", strings.NewReader("not json")))
	data, _ := vault.object(vaultBucket, "velero/backups/n/velero-backup.json")
	assert.Equal(t, "not json", string(data))
	assert.Contains(t, entries(a.log, logrus.WarnLevel)[0], "written as it is, without the source cluster annotation")
}

// A Completed backup that cannot be marked so is an error: Velero's finalizer tries again.
func TestCompletedMarkerFailureFailsThePut(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	vault.fail["CreateObject shared-vault/velero/plugins/csdr/backups/n/completed"] = denied()
	err := a.store.PutObject(vaultBucket, "velero/backups/n/velero-backup.json", strings.NewReader(string(backupJSON(t, "n", velerov1.BackupPhaseCompleted))))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `upload backup files to OSS bucket failed: VaultError: backup vault is unavailable: access to bucket "shared-vault" is denied`)
	assert.Contains(t, err.Error(), `make backup "n" visible to the vault's other clusters: write velero/plugins/csdr/backups/n/completed to the vault index`)
}

// A velero-backup.json above the limit goes to the vault as Velero wrote it, without being held.
func TestLargeMetadataIsWrittenAsItIs(t *testing.T) {
	vault := newMemoryOSS()
	a := join(t, vault, "uid-a")
	a.store.shared.metadataLimit = 64
	body := string(backupJSON(t, "n", velerov1.BackupPhaseCompleted))
	require.Greater(t, len(body), 64)
	require.NoError(t, a.store.PutObject(vaultBucket, "velero/backups/n/velero-backup.json", strings.NewReader(body)))
	data, _ := vault.object(vaultBucket, "velero/backups/n/velero-backup.json")
	assert.Equal(t, body, string(data))
	assert.Contains(t, entries(a.log, logrus.WarnLevel)[0], "is larger than 64 bytes: written as it is")
}
