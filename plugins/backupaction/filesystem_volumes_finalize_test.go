package backupaction

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

func completedStatus() v1alpha1.FilesystemBackupStatus {
	return v1alpha1.FilesystemBackupStatus{
		HBR: &v1alpha1.BackupJob{Vault: v1alpha1.Vault{Region: "cn-hangzhou", VaultName: "ack-backup-data", VaultID: "v-0001"},
			JobID: "job-1", SnapshotID: "s-0001", SnapshotHash: "hash-1"},
		Progress: v1alpha1.Progress{BytesDone: 4096, BytesTotal: 4096},
	}
}

func TestFilesystemVolumesFinalize(t *testing.T) {
	tests := []struct {
		name   string
		record *v1alpha1.FilesystemBackup
		// wantSnapshot: the claim carries a snapshot annotation the restore can parse.
		wantSnapshot bool
		wantRecord   bool
		wantErr      string
	}{
		{name: "a Completed record's snapshot goes onto the claim", wantSnapshot: true, wantRecord: true,
			record: recordOf(v1alpha1.PhaseCompleted, completedStatus())},
		{name: "a Failed record leaves the claim without a snapshot", wantRecord: true,
			record: recordOf(v1alpha1.PhaseFailed, v1alpha1.FilesystemBackupStatus{Message: "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"})},
		{name: "a PartiallyFailed record leaves the claim without a snapshot", wantRecord: true,
			record: recordOf(v1alpha1.PhasePartiallyFailed, completedStatus())},
		{name: "a claim without a record is another action's post-operation item"},
		{name: "a Completed record without its snapshot is an error", wantErr: "names no snapshot ID and hash",
			record: func() *v1alpha1.FilesystemBackup {
				st := completedStatus()
				st.HBR.SnapshotHash = ""
				return recordOf(v1alpha1.PhaseCompleted, st)
			}()},
		{name: "a Completed record without a job is an error", wantErr: "names no HBR job",
			record: recordOf(v1alpha1.PhaseCompleted, v1alpha1.FilesystemBackupStatus{})},
	}
	for _, phase := range []velerov1.BackupPhase{velerov1.BackupPhaseFinalizing, velerov1.BackupPhaseFinalizingPartiallyFailed} {
		for _, tt := range tests {
			t.Run(string(phase)+"/"+tt.name, func(t *testing.T) {
				objs := []crclient.Object{nasVolume(), pod("web-0", "node-a", corev1.PodRunning)}
				if tt.record != nil {
					objs = append(objs, tt.record)
				}
				a, _ := newAction(newFakeKube(t, true, objs...))
				item := itemOf(t, boundClaim())
				out, extra, opID, post, err := a.Execute(item, fsBackup(phase))
				assert.Empty(t, opID, "an operation ID while finalizing is an error in Velero")
				assert.Empty(t, extra)
				assert.Empty(t, post)
				if tt.wantErr != "" {
					require.Error(t, err)
					assert.Contains(t, err.Error(), tt.wantErr)
					return
				}
				require.NoError(t, err)
				annotations := annotationsOf(out)
				if !tt.wantRecord {
					assert.Equal(t, item, out, "unchanged")
					return
				}
				assert.Equal(t, tt.record.Name, annotations[v1alpha1.FilesystemBackupAnnotation])
				value, ok := annotations[v1alpha1.HBRSnapshotAnnotation]
				require.Equal(t, tt.wantSnapshot, ok)
				if !tt.wantSnapshot {
					return
				}
				src, err := v1alpha1.ParseRestoreSource(value)
				require.NoError(t, err)
				volume := tt.record.Spec.Volume
				assert.Equal(t, v1alpha1.RestoreSource{
					Backup: tt.record.Spec.Backup, Claim: tt.record.Spec.Claim, Volume: &volume,
					Vault:      v1alpha1.Vault{Region: "cn-hangzhou", VaultName: "ack-backup-data", VaultID: "v-0001"},
					SnapshotID: "s-0001", SnapshotHash: "hash-1", BytesTotal: 4096,
				}, src)
			})
		}
	}
}
