//go:build e2e

package suite

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	csdr "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// testCSDRValidation runs under TestCSDRCRDs, once the CRDs are served: every case is an API call the
// server must refuse as Invalid, with the words of the marker that refuses it.
func testCSDRValidation(t *testing.T, c *harness.Cluster, ns string) {
	t.Run("FilesystemBackup specs refused on create", func(t *testing.T) {
		for i, tc := range []struct {
			name, want string
			edit       func(*csdr.FilesystemBackupSpec)
		}{
			{"hostPath source", `spec.volume.source: Unsupported value: "HostPath"`,
				func(s *csdr.FilesystemBackupSpec) { s.Volume.Source = "HostPath"; s.Volume.Driver = "" }},
			{"Block volume", `spec.volume.volumeMode: Unsupported value: "Block"`,
				func(s *csdr.FilesystemBackupSpec) { s.Volume.VolumeMode = corev1.PersistentVolumeBlock }},
			{"CSI without a driver", "driver is required for CSI and FlexVolume sources",
				func(s *csdr.FilesystemBackupSpec) { s.Volume.Driver = "" }},
			{"NFS with a driver", "driver is required for CSI and FlexVolume sources and empty for in-tree ones",
				func(s *csdr.FilesystemBackupSpec) { s.Volume.Source = csdr.VolumeSourceNFS }},
			{"no access mode", "spec.volume.accessModes: Invalid value: 0: spec.volume.accessModes in body should have at least 1 items",
				func(s *csdr.FilesystemBackupSpec) { s.Volume.AccessModes = []corev1.PersistentVolumeAccessMode{} }},
			{"unknown access mode", `spec.volume.accessModes[0]: Unsupported value: "ReadWriteSometimes"`,
				func(s *csdr.FilesystemBackupSpec) { s.Volume.AccessModes[0] = "ReadWriteSometimes" }},
			{"claim without UID", "claim.uid is required", func(s *csdr.FilesystemBackupSpec) { s.Claim.UID = "" }},
			{"claim namespace not a DNS label", "spec.claim.namespace in body should match",
				func(s *csdr.FilesystemBackupSpec) { s.Claim.Namespace = "Shop_1" }},
			{"backup without UID", "spec.backup.uid in body should be at least 1 chars long", func(s *csdr.FilesystemBackupSpec) { s.Backup.UID = "" }},
			{"backup without name", "spec.backup.name in body should be at least 1 chars long", func(s *csdr.FilesystemBackupSpec) { s.Backup.Name = "" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fsb := validFSB(ns, fmt.Sprintf("invalid-spec-%d", i))
				tc.edit(&fsb.Spec)
				requireInvalid(t, c.Client.Create(ctx(t), fsb), tc.want)
			})
		}
	})

	t.Run("FilesystemBackup retention that is not a duration refused", func(t *testing.T) {
		// Go's client cannot send it (metav1.Duration), but kubectl or another client can, and a record
		// Go cannot decode would break every list of the controller.
		obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(validFSB(ns, "invalid-retention"))
		require.NoError(t, err)
		u := &unstructured.Unstructured{Object: obj}
		u.SetGroupVersionKind(csdr.GroupVersion.WithKind("FilesystemBackup"))
		require.NoError(t, unstructured.SetNestedField(u.Object, "30 days", "spec", "retention"))
		requireInvalid(t, c.Client.Create(ctx(t), u), "spec.retention in body should match")
	})

	t.Run("FilesystemBackup statuses refused", func(t *testing.T) {
		fsb := validFSB(ns, "invalid-status")
		require.NoError(t, c.Client.Create(ctx(t), fsb))
		for _, tc := range []struct {
			name, want string
			edit       func(*csdr.FilesystemBackupStatus)
		}{
			{"unknown phase", `status.phase: Unsupported value: "Done"`, func(s *csdr.FilesystemBackupStatus) { s.Phase = "Done" }},
			{"percent over 100", `status.progress.percent: Invalid value: "101%"`, func(s *csdr.FilesystemBackupStatus) { s.Progress.Percent = "101%" }},
			{"negative bytes", "status.progress.bytesDone: Invalid value: -1",
				func(s *csdr.FilesystemBackupStatus) { s.Progress.BytesDone = -1 }},
			{"region not an ID", `status.hbr.region: Invalid value: "Hangzhou"`,
				func(s *csdr.FilesystemBackupStatus) { s.HBR = &csdr.BackupJob{Vault: csdr.Vault{Region: "Hangzhou"}} }},
			{"condition without reason", "status.conditions[0].reason",
				func(s *csdr.FilesystemBackupStatus) {
					s.Conditions = []metav1.Condition{{Type: csdr.ConditionJobCreated, Status: metav1.ConditionTrue, LastTransitionTime: *ptrTime(0)}}
				}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				bad := fsb.DeepCopy()
				bad.Status = fsbStatus(fsb)
				tc.edit(&bad.Status)
				requireInvalid(t, c.Client.Status().Update(ctx(t), bad), tc.want)
			})
		}
	})

	t.Run("FilesystemBackup spec updates refused", func(t *testing.T) {
		fsb := validFSB(ns, "immutable")
		fsb.Spec.Cancel = true
		require.NoError(t, c.Client.Create(ctx(t), fsb))
		for _, tc := range []struct {
			name, want string
			edit       func(*csdr.FilesystemBackupSpec)
		}{
			{"cancel unset", "cancel cannot be unset", func(s *csdr.FilesystemBackupSpec) { s.Cancel = false }},
			{"another claim", "claim is immutable", func(s *csdr.FilesystemBackupSpec) { s.Claim.Name = "other" }},
			{"another backup", "backup is immutable", func(s *csdr.FilesystemBackupSpec) { s.Backup.UID = "other" }},
			{"another volume", "volume is immutable", func(s *csdr.FilesystemBackupSpec) { s.Volume.Name = "other" }},
			{"another retention", "retention is immutable", func(s *csdr.FilesystemBackupSpec) { s.Retention.Duration *= 2 }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				bad := fsb.DeepCopy()
				tc.edit(&bad.Spec)
				requireInvalid(t, c.Client.Update(ctx(t), bad), tc.want)
			})
		}
	})

	t.Run("FilesystemRestore specs refused", func(t *testing.T) {
		for i, tc := range []struct {
			name, want string
			edit       func(*csdr.FilesystemRestoreSpec)
		}{
			{"region not an ID", "spec.source.region in body should match", func(s *csdr.FilesystemRestoreSpec) { s.Source.Region = "CN_HANGZHOU" }},
			{"no temporary pod", "spec.target.temporaryPod", func(s *csdr.FilesystemRestoreSpec) { s.Target.TemporaryPod = "" }},
			{"no restore UID", "spec.restore.uid in body should be at least 1 chars long", func(s *csdr.FilesystemRestoreSpec) { s.Restore.UID = "" }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				fsr := validFSR(ns, fmt.Sprintf("invalid-spec-%d", i))
				tc.edit(&fsr.Spec)
				requireInvalid(t, c.Client.Create(ctx(t), fsr), tc.want)
			})
		}

		// The claim's restore item action creates the record with the backup and the claim; the
		// FilesystemBackup's action then names the snapshot, once.
		fsr := validFSR(ns, "immutable")
		full := fsr.Spec.Source
		fsr.Spec.Source = csdr.RestoreSource{Backup: full.Backup, Claim: full.Claim}
		require.NoError(t, c.Client.Create(ctx(t), fsr), "a source without its snapshot yet")
		fsr.Spec.Source = full
		require.NoError(t, c.Client.Update(ctx(t), fsr), "the snapshot named once")
		other := fsr.DeepCopy()
		other.Spec.Source.SnapshotID = "s-other"
		requireInvalid(t, c.Client.Update(ctx(t), other), "source is immutable once it names a snapshot")
		moved := fsr.DeepCopy()
		moved.Spec.Target.Claim.Name = "other"
		requireInvalid(t, c.Client.Update(ctx(t), moved), "target is immutable")
		fsr.Spec.Cancel = true
		require.NoError(t, c.Client.Update(ctx(t), fsr), "cancel may be set")
		fsr.Spec.Cancel = false
		requireInvalid(t, c.Client.Update(ctx(t), fsr), "cancel cannot be unset")
	})
}

func requireInvalid(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err)
	assert.True(t, apierrors.IsInvalid(err), "want Invalid, got %v", err)
	assert.Contains(t, err.Error(), want)
}
