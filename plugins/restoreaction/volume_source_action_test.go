package restoreaction

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

func newSourceAction(c kbclient.Client) *VolumeSourceAction {
	log, _ := test.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	return NewVolumeSourceAction(staticClients{c: c}, log)
}

// backedUpRecord is testdata/volume_source/completed.yaml, the claim's FilesystemBackup in the tarball,
// with edit applied.
func backedUpRecord(t *testing.T, edit func(status map[string]any)) *unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile("testdata/volume_source/completed.yaml")
	require.NoError(t, err)
	rec := readClaim(t, data)
	if edit != nil {
		edit(rec.Object["status"].(map[string]any))
	}
	return rec
}

// recordInput is what Velero hands the action for the FilesystemBackup: the item without its status.
func recordInput(rec *unstructured.Unstructured) *velero.RestoreItemActionExecuteInput {
	item := rec.DeepCopy()
	delete(item.Object, "status")
	unstructured.RemoveNestedField(item.Object, "metadata", "uid")
	return &velero.RestoreItemActionExecuteInput{Item: item, ItemFromBackup: rec, Restore: veleroRestore(map[string]string{"shop": "shop-copy"})}
}

// restoreStarted is a cluster in which VolumeDataAction has recorded the restore of shop/data.
func restoreStarted(t *testing.T, opts ...func(*interceptor.Funcs)) (kbclient.Client, string) {
	t.Helper()
	c := cluster(t)
	a, _ := newVolumeAction(c)
	out, err := a.Execute(input(backedUpClaim(map[string]string{csdrv1alpha1.FilesystemBackupAnnotation: fsbRef}),
		veleroRestore(map[string]string{"shop": "shop-copy"})))
	require.NoError(t, err)
	funcs := interceptor.Funcs{}
	for _, o := range opts {
		o(&funcs)
	}
	return interceptor.NewClient(c.(kbclient.WithWatch), funcs), out.OperationID
}

func getRecord(t *testing.T, c kbclient.Client, name string) csdrv1alpha1.FilesystemRestore {
	t.Helper()
	var r csdrv1alpha1.FilesystemRestore
	require.NoError(t, c.Get(context.Background(), types.NamespacedName{Namespace: "velero", Name: name}, &r))
	return r
}

func TestVolumeSourceAppliesToFilesystemBackups(t *testing.T) {
	sel, err := newSourceAction(nil).AppliesTo()
	require.NoError(t, err)
	assert.Equal(t, []string{"filesystembackups.csdr.io"}, sel.IncludedResources)
}

func TestVolumeSourceNamesTheSnapshot(t *testing.T) {
	c, name := restoreStarted(t)
	a := newSourceAction(c)
	in := recordInput(backedUpRecord(t, nil))
	out, err := a.Execute(in)
	require.NoError(t, err)
	assert.True(t, out.SkipRestore, "a FilesystemBackup is never created in the restoring cluster")
	assert.Equal(t, in.Item, out.UpdatedItem)

	got := getRecord(t, c, name)
	volume := got.Spec.Source.Volume
	require.NotNil(t, volume)
	got.Spec.Source.Volume = nil
	assert.Equal(t, csdrv1alpha1.RestoreSource{
		Backup:     csdrv1alpha1.OwnerRef{Name: "nightly", UID: "b-uid-here"},
		Claim:      csdrv1alpha1.ClaimRef{Namespace: "shop", Name: "data", UID: "7d1e4c2a-0000-4000-8000-000000000001"},
		Vault:      csdrv1alpha1.Vault{Region: "cn-hangzhou", VaultName: "ack-backup-data", VaultID: "v-0001"},
		SnapshotID: "s-0001", SnapshotHash: "h-0001", BytesTotal: 4096,
	}, got.Spec.Source, "this cluster's Backup, the snapshot of the tarball's record")
	assert.Equal(t, []string{"nas-650d", "CSI", "nasplugin.csi.alibabacloud.com", "8Gi"},
		[]string{volume.Name, string(volume.Source), volume.Driver, volume.Capacity.String()})
	assert.False(t, got.Spec.Cancel)
	assert.Equal(t, "shop-copy", got.Spec.Target.Claim.Namespace, "the rest of the spec stays")

	// Run again (a restarted plugin), with a record that says otherwise: the source is set once.
	out, err = a.Execute(recordInput(backedUpRecord(t, func(st map[string]any) { st["hbr"].(map[string]any)["snapshotID"] = "s-other" })))
	require.NoError(t, err)
	assert.True(t, out.SkipRestore)
	assert.Equal(t, "s-0001", getRecord(t, c, name).Spec.Source.SnapshotID)
}

func TestVolumeSourceCancelsARestoreOfNoSnapshot(t *testing.T) {
	for name, tt := range map[string]struct {
		edit      func(map[string]any)
		wantError []string
	}{
		"failed backup": {func(st map[string]any) {
			st["phase"], st["message"] = "Failed", "hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"
			delete(st["hbr"].(map[string]any), "snapshotID")
		}, []string{"restore files of claim shop-copy/data: filesystembackup velero/nightly-7d1e4c2a is Failed",
			"errMsg ClientNotExist"}},
		"still running when backed up": {func(st map[string]any) { st["phase"] = "InProgress" },
			[]string{"is InProgress, not Completed"}},
		"no snapshot hash": {func(st map[string]any) { delete(st["hbr"].(map[string]any), "snapshotHash") },
			[]string{"names no vault, snapshot ID and hash"}},
	} {
		t.Run(name, func(t *testing.T) {
			c, recName := restoreStarted(t)
			_, err := newSourceAction(c).Execute(recordInput(backedUpRecord(t, tt.edit)))
			require.Error(t, err)
			for _, want := range tt.wantError {
				assert.Contains(t, err.Error(), want)
			}
			got := getRecord(t, c, recName)
			assert.True(t, got.Spec.Cancel, "the controller ends the record")
			assert.Empty(t, got.Spec.Source.SnapshotID)
		})
	}
}

func TestVolumeSourceReportsAFailedCancel(t *testing.T) {
	c, _ := restoreStarted(t, func(f *interceptor.Funcs) {
		f.Patch = func(context.Context, kbclient.WithWatch, kbclient.Object, kbclient.Patch, ...kbclient.PatchOption) error {
			return errors.New("connection refused")
		}
	})
	_, err := newSourceAction(c).Execute(recordInput(backedUpRecord(t, func(st map[string]any) { st["phase"] = "Failed" })))
	assert.ErrorContains(t, err, "is Failed, not Completed")
	assert.ErrorContains(t, err, "cancel filesystemrestore velero/r1-7d1e4c2a: connection refused")
}

func TestVolumeSourceSkipsARecordOfNoClaimOfOurs(t *testing.T) {
	for name, setup := range map[string]func(t *testing.T) kbclient.Client{
		"no filesystemrestore": func(t *testing.T) kbclient.Client { return cluster(t) },
		"of an earlier restore of that name": func(t *testing.T) kbclient.Client {
			c, recName := restoreStarted(t)
			r := getRecord(t, c, recName)
			r.Spec.Restore.UID = "r-uid-0"
			require.NoError(t, c.Update(context.Background(), &r))
			return c
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := setup(t)
			out, err := newSourceAction(c).Execute(recordInput(backedUpRecord(t, nil)))
			require.NoError(t, err)
			assert.True(t, out.SkipRestore)
			var records csdrv1alpha1.FilesystemRestoreList
			require.NoError(t, c.List(context.Background(), &records))
			for _, r := range records.Items {
				assert.Empty(t, r.Spec.Source.SnapshotID)
				assert.False(t, r.Spec.Cancel)
			}
		})
	}
}
