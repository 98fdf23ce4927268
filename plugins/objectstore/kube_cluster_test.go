package objectstore

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/clusteridentity"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

const kubeSystemUID = "5a1c3f2e-0d6b-4a57-9f0e-7c2b1a9d8e33"

type fakeKube struct {
	c   kbclient.Client
	err error
}

func (f fakeKube) Client() (kbclient.Client, error) { return f.c, f.err }
func (f fakeKube) Namespace() string                { return "velero" }
func (f fakeKube) Identity(ctx context.Context) (string, error) {
	if f.err != nil {
		return "", f.err
	}
	return clusteridentity.FromEnvironment(ctx, f.c)
}

func kubeWith(t *testing.T, funcs interceptor.Funcs, objs ...kbclient.Object) fakeKube {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, corev1.AddToScheme(scheme))
	require.NoError(t, velerov1.AddToScheme(scheme))
	require.NoError(t, v1alpha1.AddToScheme(scheme))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "kube-system", UID: kubeSystemUID}}
	c := crfake.NewClientBuilder().WithScheme(scheme).WithObjects(append(objs, ns)...).WithInterceptorFuncs(funcs).Build()
	return fakeKube{c: c}
}

// The identity's caching is kubeclient.Lazy's (tested there); the cluster only bounds the call.
func TestKubeClusterIdentity(t *testing.T) {
	id, err := NewKubeCluster(kubeWith(t, interceptor.Funcs{})).Identity(t.Context())
	require.NoError(t, err)
	assert.Equal(t, kubeSystemUID, id)

	_, err = NewKubeCluster(fakeKube{err: errors.New("no kubeconfig")}).Identity(t.Context())
	assert.ErrorContains(t, err, "no kubeconfig")
}

func TestKubeClusterBackupPhase(t *testing.T) {
	b := &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: "nightly"}, Status: velerov1.BackupStatus{Phase: velerov1.BackupPhaseInProgress}}
	other := &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Namespace: "elsewhere", Name: "weekly"}, Status: velerov1.BackupStatus{Phase: velerov1.BackupPhaseCompleted}}
	k := NewKubeCluster(kubeWith(t, interceptor.Funcs{}, b, other))
	phase, found, err := k.BackupPhase(t.Context(), "nightly")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, velerov1.BackupPhaseInProgress, phase)

	_, found, err = k.BackupPhase(t.Context(), "weekly")
	require.NoError(t, err)
	assert.False(t, found, "only Velero's namespace counts")

	b.Annotations = map[string]string{v1alpha1.SourceClusterKey: "uid-a"}
	k = NewKubeCluster(kubeWith(t, interceptor.Funcs{}, b))
	source, found, err := k.BackupSource(t.Context(), "nightly")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, "uid-a", source)
	_, found, err = k.BackupSource(t.Context(), "weekly")
	require.NoError(t, err)
	assert.False(t, found)

	broken := NewKubeCluster(kubeWith(t, interceptor.Funcs{Get: func(context.Context, kbclient.WithWatch, kbclient.ObjectKey, kbclient.Object, ...kbclient.GetOption) error {
		return errors.New("etcdserver: request timed out")
	}}))
	_, _, err = broken.BackupPhase(t.Context(), "nightly")
	assert.ErrorContains(t, err, "read backup velero/nightly: etcdserver: request timed out")
	_, _, err = broken.BackupSource(t.Context(), "nightly")
	assert.ErrorContains(t, err, "read backup velero/nightly: etcdserver: request timed out")
}

func TestKubeClusterFilesystemLocations(t *testing.T) {
	record := func(name, backup, source string, hbr *v1alpha1.BackupJob) *v1alpha1.FilesystemBackup {
		r := &v1alpha1.FilesystemBackup{
			ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: name, Labels: map[string]string{v1alpha1.BackupNameLabel: backup}},
			Spec: v1alpha1.FilesystemBackupSpec{
				Claim:  v1alpha1.ClaimRef{Namespace: "shop", Name: "data-" + name},
				Volume: v1alpha1.PersistentVolumeInfo{Name: "pv-" + name},
			},
			Status: v1alpha1.FilesystemBackupStatus{HBR: hbr},
		}
		if source != "" {
			r.Labels[v1alpha1.SourceClusterKey] = source
		}
		return r
	}
	done := func(id string) *v1alpha1.BackupJob {
		return &v1alpha1.BackupJob{Vault: v1alpha1.Vault{Region: "cn-beijing", VaultID: "v-0001", VaultName: "ack-backup-data"}, SnapshotID: id}
	}
	k := NewKubeCluster(kubeWith(t, interceptor.Funcs{},
		record("a", "nightly", kubeSystemUID, done("s-0001")),
		record("b", "nightly", "", done("s-0002")),                               // made before records carried a source
		record("c", "nightly", "other-cluster", done("s-0003")),                  // restored from another cluster's backup
		record("d", "nightly", kubeSystemUID, &v1alpha1.BackupJob{JobID: "j-1"}), // no snapshot yet
		record("e", "nightly", kubeSystemUID, nil),
		record("f", "weekly", kubeSystemUID, done("s-0004")),
	))
	locs, err := k.FilesystemLocations(t.Context(), "nightly")
	require.NoError(t, err)
	assert.ElementsMatch(t, []datalocation.Location{
		{Volume: "shop/data-a", PersistentVolume: "pv-a", Kind: datalocation.HBRSnapshot, ID: "s-0001", Region: "cn-beijing", Vault: "v-0001", VaultName: "ack-backup-data"},
		{Volume: "shop/data-b", PersistentVolume: "pv-b", Kind: datalocation.HBRSnapshot, ID: "s-0002", Region: "cn-beijing", Vault: "v-0001", VaultName: "ack-backup-data"},
	}, locs)

	none, err := k.FilesystemLocations(t.Context(), "no-such-backup")
	require.NoError(t, err)
	assert.Empty(t, none)
}

func TestKubeClusterAnnotateBackup(t *testing.T) {
	b := &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: "nightly", Annotations: map[string]string{"keep": "me"}},
		Status: velerov1.BackupStatus{Phase: velerov1.BackupPhaseFinalizing}}
	kube := kubeWith(t, interceptor.Funcs{}, b)
	k := NewKubeCluster(kube)
	require.NoError(t, k.AnnotateBackup(t.Context(), "nightly", map[string]string{v1alpha1.SourceClusterKey: kubeSystemUID, v1alpha1.DataLocationsAnnotation: "[]"}))

	var got velerov1.Backup
	require.NoError(t, kube.c.Get(t.Context(), types.NamespacedName{Namespace: "velero", Name: "nightly"}, &got))
	assert.Equal(t, map[string]string{"keep": "me", v1alpha1.SourceClusterKey: kubeSystemUID, v1alpha1.DataLocationsAnnotation: "[]"}, got.Annotations)
	assert.Equal(t, velerov1.BackupPhaseFinalizing, got.Status.Phase, "only annotations change")

	err := k.AnnotateBackup(t.Context(), "gone", map[string]string{"a": "b"})
	assert.ErrorContains(t, err, "annotate backup velero/gone")
}
