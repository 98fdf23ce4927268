package restore

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/env"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/hbrsetup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	emuhbr "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

const (
	testAK, testSK = "LTAI-restore-test", "restore-test-secret"
	region         = "cn-hangzhou"
	identity       = "5b2c9e1f-kube-system-uid"
	veleroNS       = "velero"
	nodeName       = "node-a"
	nodeIP         = "192.0.2.11"
	kubeletRoot    = "/var/lib/kubelet"
	nasDriver      = "nasplugin.csi.alibabacloud.com"
)

type staticCreds credentials.Credentials

func (s staticCreds) Credentials(context.Context) (credentials.Credentials, error) {
	return credentials.Credentials(s), nil
}

// registration is the vault and cluster registration the world made, or an error.
type registration struct {
	target hbrsetup.Target
	err    error
}

func (r *registration) Ensure(context.Context) (hbrsetup.Target, error) { return r.target, r.err }

// world is a fake cluster, whose kubelet and PV controller the test plays (sim), in front of an
// emulated HBR with one agent on the node pods run on.
type world struct {
	srv      *emulatortest.Server
	hbr      hbr.Client
	c        client.Client
	r        *Reconciler
	reg      *registration
	events   *record.FakeRecorder
	rootDir  string // node-a's "/"
	snapshot *hbr.Snapshot
	// podNode is where pods are scheduled.
	podNode string
	// noBinding stops the PV controller: temporary claims stay Pending; noTargetBinding keeps it from
	// binding the target claim.
	noBinding, noTargetBinding bool
}

func newWorld(t *testing.T, clk clock.WithTicker) *world {
	t.Helper()
	srv := emulatortest.NewServer(t, emulator.Options{
		Credentials: []emulator.Credential{{AccessKeyID: testAK, AccessKeySecret: testSK}},
		HBR:         emuhbr.Options{JobStartDelay: 10 * time.Millisecond, VaultInitDelay: 10 * time.Millisecond},
	})
	hc, err := hbr.New(hbr.Config{Endpoint: srv.URL, Credentials: staticCreds{AccessKeyID: testAK, AccessKeySecret: testSK}, Clock: clock.RealClock{}})
	require.NoError(t, err)
	vault, err := hc.EnsureVault(ctx(t), region, "ack-backup-data")
	require.NoError(t, err)
	cluster, err := hc.EnsureContainerCluster(ctx(t), region, hbr.ContainerClusterSpec{Identifier: identity, Name: "csdr-5b2c9e1f"})
	require.NoError(t, err)
	w := &world{srv: srv, hbr: hc, rootDir: t.TempDir(), podNode: nodeName, events: record.NewFakeRecorder(100),
		reg: &registration{target: hbrsetup.Target{Region: region, VaultName: "ack-backup-data", VaultID: vault.ID, ContainerClusterID: cluster.ID}}}
	admin(t, srv, http.MethodPost, "/_admin/hbr/agents", map[string]string{"cluster": identity, "node": nodeName, "ip": nodeIP,
		"region": region, "rootDir": w.rootDir, "kubeletRoot": kubeletRoot}, nil)
	w.snapshot = w.seed(t, cluster.ID, vault.ID)

	scheme := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(scheme))
	require.NoError(t, velerov1.AddToScheme(scheme))
	require.NoError(t, v1alpha1.AddToScheme(scheme))
	w.c = crfake.NewClientBuilder().WithScheme(scheme).WithStatusSubresource(&v1alpha1.FilesystemRestore{}).WithInterceptorFuncs(interceptor.Funcs{
		// The API server gives every object a UID; the fake client does not.
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			if obj.GetUID() == "" {
				obj.SetUID(uuid.NewUUID())
			}
			return c.Create(ctx, obj, opts...)
		},
	}).WithObjects(
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName, Labels: map[string]string{corev1.LabelTopologyRegion: region}}},
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "virtual-kubelet-1", Labels: map[string]string{v1alpha1.VirtualNodeLabel: v1alpha1.VirtualNodeValue}}},
	).Build()
	log := logrus.New()
	log.SetOutput(io.Discard)
	w.r = &Reconciler{Client: w.c, Registration: w.reg, Image: "registry.k8s.io/pause:3.10", Recorder: w.events,
		Env: env.Env{Namespace: veleroNS, ConfigMap: "csdr-config", Region: region, Identity: identity, PodsDir: kubelet.DefaultPodsDir, ResyncPeriod: 10 * time.Millisecond,
			Clock: clk, Log: log, NewHBR: func() (hbr.Client, error) { return hc, nil }}}
	return w
}

// newRecord is what the restore item action creates for claim shop/data.
func (w *world) newRecord(t *testing.T) *v1alpha1.FilesystemRestore {
	t.Helper()
	capacity := resource.MustParse("8Gi")
	rec := &v1alpha1.FilesystemRestore{
		ObjectMeta: metav1.ObjectMeta{Name: "r1-7d1e4c2a", Namespace: veleroNS, UID: "rec-uid-1"},
		Spec: v1alpha1.FilesystemRestoreSpec{
			Restore: v1alpha1.OwnerRef{Name: "r1", UID: "r-uid-1"},
			Source: v1alpha1.RestoreSource{Backup: v1alpha1.OwnerRef{Name: "nightly", UID: "b-uid-1"},
				Claim: v1alpha1.ClaimRef{Namespace: "shop", Name: "data", UID: "7d1e4c2a-0000"},
				Volume: &v1alpha1.PersistentVolumeInfo{Name: "pv-src", Source: v1alpha1.VolumeSourceCSI, Driver: nasDriver, Capacity: capacity,
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}},
				Vault:      v1alpha1.Vault{Region: region, VaultName: "ack-backup-data", VaultID: w.reg.target.VaultID},
				SnapshotID: w.snapshot.ID, SnapshotHash: w.snapshot.Hash, BytesTotal: w.snapshot.BytesTotal},
			Target: v1alpha1.RestoreTarget{Claim: v1alpha1.ClaimRef{Namespace: "shop", Name: "data"}, StorageClassName: "alibabacloud-cnfs-nas",
				TemporaryClaim: "r1-7d1e4c2a-tmp", TemporaryPod: "r1-7d1e4c2a-mount"},
		},
	}
	require.NoError(t, w.c.Create(ctx(t), rec))
	return rec
}

// targetClaim is the claim Velero creates, held by the item action's selector.
func (w *world) targetClaim(t *testing.T, record string) {
	t.Helper()
	class := "alibabacloud-cnfs-nas"
	require.NoError(t, w.c.Create(ctx(t), &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: "shop", UID: "target-uid"},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &class, AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany},
			Selector:  &metav1.LabelSelector{MatchLabels: map[string]string{v1alpha1.FilesystemRestoreLabel: record}},
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("8Gi")}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}))
}

// reconcile runs one reconcile of the record, then lets the cluster's controllers act.
func (w *world) reconcile(t *testing.T) ctrl.Result {
	t.Helper()
	res, err := w.r.Reconcile(ctx(t), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: veleroNS, Name: "r1-7d1e4c2a"}})
	require.NoError(t, err)
	w.sim(t)
	return res
}

// until reconciles until done says the record is where the test wants it.
func (w *world) until(t *testing.T, what string, done func(*v1alpha1.FilesystemRestore) bool) *v1alpha1.FilesystemRestore {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.reconcile(t)
		rec := w.record(t)
		if done(rec) {
			return rec
		}
		if time.Now().After(deadline) {
			t.Fatalf("record never %s: phase %s, message %q", what, rec.Status.Phase, rec.Status.Message)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (w *world) record(t *testing.T) *v1alpha1.FilesystemRestore {
	t.Helper()
	var rec v1alpha1.FilesystemRestore
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Namespace: veleroNS, Name: "r1-7d1e4c2a"}, &rec))
	return &rec
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}

var errNotActivated = errors.New("HBRError: check HBR vault error")
