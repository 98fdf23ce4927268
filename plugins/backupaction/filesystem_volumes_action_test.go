package backupaction

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

var now = time.Date(2026, 12, 3, 18, 0, 0, 0, time.UTC)

func newAction(kube Kube) (*FilesystemVolumesAction, *logtest.Hook) {
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	return NewFilesystemVolumesAction(log, kube, func() time.Time { return now }), hook
}

func recordKey() crclient.ObjectKey {
	return crclient.ObjectKey{Namespace: veleroNS, Name: v1alpha1.RecordName(backupName, claimUID)}
}

func TestFilesystemVolumesCreatesARecordForAnHBRClaim(t *testing.T) {
	kube := newFakeKube(t, true, nasVolume(), pod("web-1", "node-b", corev1.PodRunning),
		pod("web-0", "node-a", corev1.PodPending), pod("other", "node-c", corev1.PodRunning))
	// "other" mounts another claim.
	other := &corev1.Pod{}
	require.NoError(t, kube.c.Get(context.Background(), crclient.ObjectKey{Namespace: appNS, Name: "other"}, other))
	other.Spec.Volumes[0].PersistentVolumeClaim.ClaimName = "logs"
	require.NoError(t, kube.c.Update(context.Background(), other))

	a, _ := newAction(kube)
	out, extra, opID, post, err := a.Execute(itemOf(t, boundClaim()), fsBackup(velerov1.BackupPhaseInProgress))
	require.NoError(t, err)
	assert.Empty(t, extra)

	name := v1alpha1.RecordName(backupName, claimUID)
	assert.Equal(t, name, opID, "the operation ID is the record's name")
	assert.Equal(t, []velero.ResourceIdentifier{
		{GroupResource: v1alpha1.Resource("filesystembackups"), Namespace: veleroNS, Name: name},
	}, post, "the finished record goes into the tarball; the claim does not come back (its PV would crash Velero's finalizer)")
	annotations := annotationsOf(out)
	assert.Equal(t, veleroNS+"/"+name, annotations[v1alpha1.FilesystemBackupAnnotation])

	rec := &v1alpha1.FilesystemBackup{}
	require.NoError(t, kube.c.Get(context.Background(), recordKey(), rec))
	assert.Equal(t, map[string]string{
		v1alpha1.BackupNameLabel: backupName, v1alpha1.BackupUIDLabel: backupUID,
		v1alpha1.PVCUIDLabel: claimUID, v1alpha1.AsyncOperationIDLabel: name,
		v1alpha1.SourceClusterKey: clusterIdentity,
	}, rec.Labels, "the source label: only this cluster deletes the record's HBR snapshot")
	require.Len(t, rec.OwnerReferences, 1)
	owner := rec.OwnerReferences[0]
	assert.Equal(t, metav1.OwnerReference{APIVersion: "velero.io/v1", Kind: "Backup", Name: backupName, UID: backupUID}, owner,
		"owned by the Backup, not controlled: Velero's garbage collection of the Backup takes the record along")
	assert.Equal(t, v1alpha1.FilesystemBackupSpec{
		Backup: v1alpha1.OwnerRef{Name: backupName, UID: backupUID},
		Claim:  v1alpha1.ClaimRef{Namespace: appNS, Name: claimName, UID: claimUID},
		Volume: v1alpha1.PersistentVolumeInfo{Name: volumeName, UID: "pv-uid-1", Source: v1alpha1.VolumeSourceCSI,
			Driver: alibaba.NASCSIDriver, StorageClassName: "alicloud-nas", Capacity: resource.MustParse("20Gi"),
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}, VolumeMode: corev1.PersistentVolumeFilesystem},
		Retention: metav1.Duration{Duration: 72 * time.Hour},
		NodeHint:  &v1alpha1.NodeHint{Pod: "web-1", Node: "node-b"},
	}, rec.Spec)
	assert.Empty(t, rec.Status.Phase, "the controller writes the status")
}

func annotationsOf(item runtime.Unstructured) map[string]string {
	return (&unstructured.Unstructured{Object: item.UnstructuredContent()}).GetAnnotations()
}

func TestFilesystemVolumesLeavesOrRefusesOtherClaims(t *testing.T) {
	tests := []struct {
		name      string
		installed bool
		pvc       *corev1.PersistentVolumeClaim
		pv        *corev1.PersistentVolume
		wantErr   string
	}{
		{name: "an Alibaba disk is left to its ECS snapshot", installed: true, pvc: boundClaim(), pv: diskVolume()},
		{name: "a claim annotated out of HBR", installed: true, pvc: boundClaim(optedOut), pv: nasVolume()},
		{name: "an unbound claim has no data", installed: true, pvc: boundClaim(func(p *corev1.PersistentVolumeClaim) {
			p.Spec.VolumeName, p.Status.Phase = "", corev1.ClaimPending
		})},
		{name: "a Block claim is refused in ACK's words", installed: true, pvc: boundClaim(blockMode), pv: nasVolume(),
			wantErr: "HBR backup request failed: claim shop/files is volumeMode Block"},
		{name: "a volume the kubelet does not mount under its pods directory is refused", installed: true, pvc: boundClaim(), pv: cephVolume(),
			wantErr: "HBR backup request failed: persistentvolume nas-files: only CSI, FlexVolume, NFS and local volumes"},
		{name: "without csdr-controller a NAS claim is left as the plugin alone leaves it", pvc: boundClaim(), pv: nasVolume()},
		{name: "without csdr-controller even a Block claim is left as it is", pvc: boundClaim(blockMode), pv: nasVolume()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs := []crclient.Object{pod("web-0", "node-a", corev1.PodRunning)}
			if tt.pv != nil {
				objs = append(objs, tt.pv)
			}
			kube := newFakeKube(t, tt.installed, objs...)
			a, _ := newAction(kube)
			item := itemOf(t, tt.pvc)
			out, extra, opID, post, err := a.Execute(item, fsBackup(velerov1.BackupPhaseInProgress))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
			} else {
				require.NoError(t, err)
				assert.Equal(t, item, out, "unchanged")
			}
			assert.Empty(t, extra)
			assert.Empty(t, opID)
			assert.Empty(t, post)
			list := &v1alpha1.FilesystemBackupList{}
			require.NoError(t, kube.c.List(context.Background(), list))
			assert.Empty(t, list.Items, "no record")
		})
	}
}

func TestFilesystemVolumesWarnsOncePerBackupWithoutTheController(t *testing.T) {
	kube := newFakeKube(t, false, nasVolume())
	a, hook := newAction(kube)
	backup := fsBackup(velerov1.BackupPhaseInProgress)
	for range 3 {
		_, _, _, _, err := a.Execute(itemOf(t, boundClaim()), backup)
		require.NoError(t, err)
	}
	var warnings []string
	for _, e := range hook.AllEntries() {
		if e.Level == logrus.WarnLevel {
			warnings = append(warnings, e.Message)
		}
	}
	assert.Equal(t, []string{"csdr-controller is not installed: files of claim shop/files are not backed up"}, warnings)

	other := fsBackup(velerov1.BackupPhaseInProgress)
	other.UID = "another-backup"
	_, _, _, _, err := a.Execute(itemOf(t, boundClaim()), other)
	require.NoError(t, err)
	assert.Equal(t, logrus.WarnLevel, hook.LastEntry().Level, "a new backup is warned again")
}

func TestFilesystemVolumesFindsItsRecordAgain(t *testing.T) {
	tests := []struct {
		name     string
		existing *v1alpha1.FilesystemBackup
		wantErr  string
	}{
		{name: "the same claim's record, already at work, is this operation's",
			existing: recordOf(v1alpha1.PhaseInProgress, v1alpha1.FilesystemBackupStatus{Node: "node-b"})},
		{name: "a record of that name for another claim is an error",
			existing: func() *v1alpha1.FilesystemBackup {
				r := recordOf(v1alpha1.PhaseNew, v1alpha1.FilesystemBackupStatus{})
				r.Spec.Claim.UID = "another-claim"
				return r
			}(), wantErr: "one of that name exists for another backup or claim"},
		{name: "a record of that name from an earlier backup of the same name is an error",
			existing: func() *v1alpha1.FilesystemBackup {
				r := recordOf(v1alpha1.PhaseCompleted, v1alpha1.FilesystemBackupStatus{})
				r.Spec.Backup.UID = "earlier-backup"
				return r
			}(), wantErr: "one of that name exists for another backup or claim"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kube := newFakeKube(t, true, nasVolume(), tt.existing)
			a, _ := newAction(kube)
			_, _, opID, _, err := a.Execute(itemOf(t, boundClaim()), fsBackup(velerov1.BackupPhaseInProgress))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.existing.Name, opID)
			rec := &v1alpha1.FilesystemBackup{}
			require.NoError(t, kube.c.Get(context.Background(), recordKey(), rec))
			assert.Equal(t, "node-b", rec.Status.Node, "the record at work is kept as it is")
		})
	}
}

// When the cluster cannot say whether csdr-controller is installed, the claim's backup fails rather
// than leave its files out silently.
func TestFilesystemVolumesFailsWhenDiscoveryFails(t *testing.T) {
	kube := newFakeKube(t, true, nasVolume())
	kube.discoveryErr = errors.New("connection refused")
	a, _ := newAction(kube)
	_, _, opID, _, err := a.Execute(itemOf(t, boundClaim()), fsBackup(velerov1.BackupPhaseInProgress))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "discover resources of csdr.io/v1alpha1: connection refused")
	assert.Empty(t, opID)
}

// Velero never hands the claim in while finalizing (it is no post-operation item); were it handed in,
// it would come back unchanged and without an operation, which finalizing refuses.
func TestFilesystemVolumesLeavesAClaimAloneWhileFinalizing(t *testing.T) {
	for _, phase := range []velerov1.BackupPhase{velerov1.BackupPhaseFinalizing, velerov1.BackupPhaseFinalizingPartiallyFailed} {
		t.Run(string(phase), func(t *testing.T) {
			kube := newFakeKube(t, true, nasVolume(), pod("web-1", "node-b", corev1.PodRunning))
			a, _ := newAction(kube)
			item := itemOf(t, boundClaim())
			out, extra, opID, post, err := a.Execute(item, fsBackup(phase))
			require.NoError(t, err)
			assert.Equal(t, item, out)
			assert.Empty(t, extra)
			assert.Empty(t, opID)
			assert.Empty(t, post)
			err = kube.c.Get(context.Background(), recordKey(), &v1alpha1.FilesystemBackup{})
			assert.True(t, apierrors.IsNotFound(err), "no record made while finalizing: %v", err)
		})
	}
}

// Without the cluster's identity no record is made: unlabelled, its snapshot could be deleted from
// any cluster that shares the vault.
func TestFilesystemVolumesFailsWithoutTheClusterIdentity(t *testing.T) {
	kube := newFakeKube(t, true, nasVolume(), pod("web-1", "node-b", corev1.PodRunning))
	kube.identityErr = errors.New("read namespace kube-system for the cluster's identity: connection refused")
	a, _ := newAction(kube)
	_, _, opID, _, err := a.Execute(itemOf(t, boundClaim()), fsBackup(velerov1.BackupPhaseInProgress))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "label the filesystembackup of claim shop/files with this cluster's identity: read namespace kube-system")
	assert.Empty(t, opID)
	err = kube.c.Get(context.Background(), recordKey(), &v1alpha1.FilesystemBackup{})
	assert.True(t, apierrors.IsNotFound(err), "no record: %v", err)
}
