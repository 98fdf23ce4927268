package restoreaction

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/volume_data/<case>.out.yaml from the action's output")

func TestVolumeDataActionName(t *testing.T) {
	a, _ := newVolumeAction(nil)
	// Velero runs a binary's actions of one kind in sorted-name order: after the storage family's.
	assert.Greater(t, a.Name(), "csdr.io/restore-storage")
}

func TestVolumeDataLeavesOtherClaimsAlone(t *testing.T) {
	for name, annotations := range map[string]map[string]string{
		"no annotations":   nil,
		"other annotation": {"team": "payments", "csdr.io/hbr-snapshot": "{}"},
	} {
		t.Run(name, func(t *testing.T) {
			c := cluster(t)
			a, _ := newVolumeAction(c)
			in := input(backedUpClaim(annotations), veleroRestore(nil))
			want := in.Item.UnstructuredContent()
			out, err := a.Execute(in)
			require.NoError(t, err)
			assert.Equal(t, want, out.UpdatedItem.UnstructuredContent())
			assert.Empty(t, out.OperationID)
			assert.Empty(t, out.AdditionalItems)
			var records csdrv1alpha1.FilesystemRestoreList
			require.NoError(t, c.List(context.Background(), &records))
			assert.Empty(t, records.Items)
		})
	}
}

func TestVolumeDataRefusesWhatItCannotRead(t *testing.T) {
	noUID := backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef})
	unstructured.RemoveNestedField(noUID.Object, "metadata", "uid")
	for name, tt := range map[string]struct {
		pvc       *unstructured.Unstructured
		noBackup  bool
		wantError string
	}{
		"not a record name": {pvc: backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: "velero/a/b"}),
			wantError: `claim shop/data: annotation csdr.io/filesystem-backup="velero/a/b" does not name a filesystembackup`},
		"no claim UID": {pvc: noUID, wantError: "claim shop/data: the backup names no UID of the backed-up claim"},
		"no Backup": {pvc: backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), noBackup: true,
			wantError: "claim shop/data: read backup velero/nightly of restore r1"},
	} {
		t.Run(name, func(t *testing.T) {
			c := cluster(t)
			if tt.noBackup {
				c = crfake.NewClientBuilder().WithScheme(testScheme(t)).Build()
			}
			a, _ := newVolumeAction(c)
			_, err := a.Execute(input(tt.pvc, veleroRestore(nil)))
			assert.ErrorContains(t, err, tt.wantError)
			var records csdrv1alpha1.FilesystemRestoreList
			require.NoError(t, c.List(context.Background(), &records))
			assert.Empty(t, records.Items)
		})
	}
}

func TestVolumeDataRecordsTheRestore(t *testing.T) {
	c := cluster(t)
	a, _ := newVolumeAction(c)
	restore := veleroRestore(map[string]string{"shop": "shop-copy"})
	in := input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), restore)
	out, err := a.Execute(in)
	require.NoError(t, err)
	assert.Equal(t, "r1-7d1e4c2a", out.OperationID)
	assert.Equal(t, []velero.ResourceIdentifier{{GroupResource: schema.GroupResource{Group: "csdr.io", Resource: "filesystembackups"},
		Namespace: "velero", Name: "nightly-7d1e4c2a"}}, out.AdditionalItems)
	assert.Equal(t, "true", out.UpdatedItem.(*unstructured.Unstructured).GetAnnotations()[velerov1.MustIncludeAdditionalItemRestoreAnnotation],
		"the record is restored whatever the restore's namespace filter")
	assert.False(t, out.WaitForAdditionalItems, "the record is never created: nothing to wait for")

	var got csdrv1alpha1.FilesystemRestore
	require.NoError(t, c.Get(context.Background(), types.NamespacedName{Namespace: "velero", Name: out.OperationID}, &got))
	assert.Equal(t, map[string]string{"velero.io/restore-name": "r1", "velero.io/restore-uid": "r-uid-1",
		"csdr.io/pvc-uid": "7d1e4c2a-0000-4000-8000-000000000001", "velero.io/async-operation-id": "r1-7d1e4c2a"}, got.Labels)
	assert.Equal(t, []metav1.OwnerReference{{APIVersion: "velero.io/v1", Kind: "Restore", Name: "r1", UID: "r-uid-1"}}, got.OwnerReferences)
	assert.Equal(t, csdrv1alpha1.FilesystemRestoreSpec{
		Restore: csdrv1alpha1.OwnerRef{Name: "r1", UID: "r-uid-1"},
		Source: csdrv1alpha1.RestoreSource{Backup: csdrv1alpha1.OwnerRef{Name: "nightly", UID: "b-uid-here"},
			Claim: csdrv1alpha1.ClaimRef{Namespace: "shop", Name: "data", UID: "7d1e4c2a-0000-4000-8000-000000000001"}},
		Target: csdrv1alpha1.RestoreTarget{Claim: csdrv1alpha1.ClaimRef{Namespace: "shop-copy", Name: "data"},
			StorageClassName: "alibabacloud-cnfs-nas", TemporaryClaim: "r1-7d1e4c2a-tmp", TemporaryPod: "r1-7d1e4c2a-mount"},
	}, got.Spec, "the snapshot follows from the FilesystemBackup")

	// Velero may run the action again (a restarted plugin), after the source action named the
	// snapshot: the same record, one of it.
	got.Spec.Source.SnapshotID = "s-0001"
	require.NoError(t, c.Update(context.Background(), &got))
	again, err := a.Execute(input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), restore))
	require.NoError(t, err)
	assert.Equal(t, out.OperationID, again.OperationID)
	var records csdrv1alpha1.FilesystemRestoreList
	require.NoError(t, c.List(context.Background(), &records))
	assert.Len(t, records.Items, 1)

	// Another restore of the same name (deleted and made again) does not take over the record.
	other := veleroRestore(map[string]string{"shop": "shop-copy"})
	other.UID = "r-uid-2"
	_, err = a.Execute(input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), other))
	assert.ErrorContains(t, err, "filesystemrestore velero/r1-7d1e4c2a exists for restore r1 (uid r-uid-1)")
}

func TestVolumeDataReadsABareRecordNameInTheRestoreNamespace(t *testing.T) {
	a, _ := newVolumeAction(cluster(t))
	out, err := a.Execute(input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: "nightly-7d1e4c2a"}), veleroRestore(nil)))
	require.NoError(t, err)
	require.Len(t, out.AdditionalItems, 1)
	assert.Equal(t, "velero", out.AdditionalItems[0].Namespace)
	assert.Equal(t, "nightly-7d1e4c2a", out.AdditionalItems[0].Name)
}

func TestVolumeDataLeavesAnExistingClaim(t *testing.T) {
	existing := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "shop"}}
	c := cluster(t, existing)
	a, hook := newVolumeAction(c)
	out, err := a.Execute(input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), veleroRestore(nil)))
	require.NoError(t, err)
	assert.Empty(t, out.OperationID)
	assert.Empty(t, out.AdditionalItems)
	require.NotNil(t, hook.LastEntry())
	assert.Equal(t, "the claim exists in the cluster: its files are not restored from HBR", hook.LastEntry().Message)
}

// Golden: testdata/volume_data/<case>.in.yaml is the claim in the backup, <case>.out.yaml the claim the
// action hands back (Velero strips the must-include annotation before it creates the claim).
func TestVolumeDataHoldsTheClaimGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/volume_data/*.in.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, inputs)
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".in.yaml")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			require.NoError(t, err)
			a, _ := newVolumeAction(cluster(t))
			out, err := a.Execute(input(readClaim(t, data), veleroRestore(nil)))
			require.NoError(t, err)
			assert.NotEmpty(t, out.OperationID)
			got, err := yaml.Marshal(out.UpdatedItem.UnstructuredContent())
			require.NoError(t, err)
			golden := strings.TrimSuffix(in, ".in.yaml") + ".out.yaml"
			if *updateGolden {
				require.NoError(t, os.WriteFile(golden, got, 0o644))
				return
			}
			want, err := os.ReadFile(golden)
			require.NoError(t, err, "run go test ./plugins/restoreaction -run %s -update to create it", t.Name())
			assert.Equal(t, string(want), string(got))
		})
	}
}

// Velero restored the claim's volume as it was (reclaim policy Retain): the claim binds to it, so no
// files are restored from HBR and the claim keeps its volume name.
func TestVolumeDataLeavesAClaimWhoseVolumeIsRestored(t *testing.T) {
	pv := &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: "nas-650d"},
		Spec: corev1.PersistentVolumeSpec{ClaimRef: &corev1.ObjectReference{Namespace: "shop-copy", Name: "data"}}}
	c := cluster(t, pv)
	a, hook := newVolumeAction(c)
	in := input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), veleroRestore(map[string]string{"shop": "shop-copy"}))
	want := in.Item.UnstructuredContent()
	out, err := a.Execute(in)
	require.NoError(t, err)
	assert.Empty(t, out.OperationID)
	assert.Empty(t, out.AdditionalItems)
	assert.Equal(t, want, out.UpdatedItem.UnstructuredContent())
	assert.Equal(t, "the claim's volume is restored as it was: its files are not restored from HBR", hook.LastEntry().Message)

	// A volume of that name pointed at another claim is not this claim's.
	pv.Spec.ClaimRef.Name = "other"
	require.NoError(t, c.Update(context.Background(), pv))
	out, err = a.Execute(input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}), veleroRestore(map[string]string{"shop": "shop-copy"})))
	require.NoError(t, err)
	assert.NotEmpty(t, out.OperationID)
}
