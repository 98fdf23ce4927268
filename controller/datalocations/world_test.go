package datalocations_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/datalocations"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/testenv"
	emuecs "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	emuhbr "github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// The Kubernetes side is controller-runtime's fake client (as in the other reconcilers' tests, no test
// here starts a kube-apiserver); ECS and HBR are the real clients on the emulator over HTTP.

const (
	period   = time.Hour
	nodeName = "node-a"
	nodeIP   = "192.0.2.11"
)

type world struct {
	e     *testenv.Env
	c     client.Client
	clk   *clocktesting.FakeClock
	r     *datalocations.Reconciler
	ecs   ecs.Client
	hbr   hbr.Client
	vault *hbr.Vault
	node  testenv.Node
	// clusterID is the cluster's HBR registration.
	clusterID string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := testenv.New(t, emuhbr.Unlimited)
	clk := clocktesting.NewFakeClock(time.Date(2026, 12, 3, 22, 0, 0, 0, time.UTC))
	e.Env.Clock = clk
	s := runtime.NewScheme()
	require.NoError(t, velerov1.AddToScheme(s))
	w := &world{e: e, clk: clk, c: fake.NewClientBuilder().WithScheme(s).Build()}
	var err error
	w.r, err = datalocations.New(e.Env, w.c, period)
	require.NoError(t, err)
	w.ecs, err = e.Env.NewECS()
	require.NoError(t, err)
	w.hbr, err = e.Env.NewHBR()
	require.NoError(t, err)
	return w
}

// ecsSnapshot is an accomplished snapshot of a new disk.
func (w *world) ecsSnapshot(t *testing.T) string {
	t.Helper()
	d, err := w.e.Srv.ECS().AddDisk(emuecs.DiskSpec{Region: testenv.Region, Zone: "cn-hangzhou-h", Category: "cloud_essd", SizeGiB: 20})
	require.NoError(t, err)
	id, err := w.ecs.CreateSnapshot(ctx(t), ecs.SnapshotOptions{Region: testenv.Region, DiskID: d.ID})
	require.NoError(t, err)
	return id
}

// hbrSnapshot backs a volume of the node up into the vault and returns its snapshot.
func (w *world) hbrSnapshot(t *testing.T, name string) string {
	t.Helper()
	if w.vault == nil {
		var err error
		w.vault, err = w.hbr.EnsureVault(ctx(t), testenv.Region, "ack-backup-data")
		require.NoError(t, err)
		cl, err := w.hbr.EnsureContainerCluster(ctx(t), testenv.Region, hbr.ContainerClusterSpec{Identifier: testenv.Identity, Name: "csdr"})
		require.NoError(t, err)
		w.clusterID = cl.ID
		w.node = w.e.AddAgent(t, nodeName, nodeIP)
	}
	src := "/var/lib/kubelet/pods/pod-uid-1/volumes/kubernetes.io~csi/pv-" + name + "/mount"
	w.node.WriteFiles(t, src, map[string]string{"a.txt": "alpha " + name})
	id, err := w.hbr.CreateBackupJob(ctx(t), hbr.BackupJobSpec{Region: testenv.Region, VaultID: w.vault.ID, ContainerClusterID: w.clusterID,
		Name: name + "-hbr", RetentionDays: 7, Since: time.Now(), Volume: hbr.Volume{PVName: "pv-" + name, PVUID: "uid-" + name,
			PVCName: name, Namespace: "shop", StorageClass: "alibabacloud-cnfs-nas", Size: "8Gi", NodeIP: nodeIP, NodePath: src}})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		job, err := w.hbr.DescribeBackupJob(ctx(t), testenv.Region, id)
		require.NoError(t, err)
		return job.Status.Terminal()
	}, 30*time.Second, 10*time.Millisecond)
	snaps, err := w.hbr.JobSnapshots(ctx(t), testenv.Region, w.vault.ID, id)
	require.NoError(t, err)
	require.Len(t, snaps, 1)
	return snaps[0].ID
}

func (w *world) ecsLocation(volume, id string, checked time.Time) datalocation.Location {
	return datalocation.Location{Volume: volume, PersistentVolume: "pv-" + volume, Kind: datalocation.ECSSnapshot, ID: id,
		Region: testenv.Region, State: datalocation.Exists, CheckedAt: &checked}
}

func (w *world) hbrLocation(volume, id string, checked time.Time) datalocation.Location {
	return datalocation.Location{Volume: volume, PersistentVolume: "pv-" + volume, Kind: datalocation.HBRSnapshot, ID: id,
		Region: testenv.Region, Vault: w.vault.ID, VaultName: w.vault.Name, State: datalocation.Exists, CheckedAt: &checked}
}

// backup is a Completed Backup of Velero's namespace; locs become its annotation unless nil.
func (w *world) backup(t *testing.T, name string, locs []datalocation.Location) {
	t.Helper()
	b := &velerov1.Backup{ObjectMeta: metav1.ObjectMeta{Namespace: testenv.Namespace, Name: name,
		Annotations: map[string]string{v1alpha1.SourceClusterKey: "cluster-a"}},
		Status: velerov1.BackupStatus{Phase: velerov1.BackupPhaseCompleted}}
	if locs != nil {
		value, err := datalocation.Encode(locs)
		require.NoError(t, err)
		b.Annotations[v1alpha1.DataLocationsAnnotation] = value
	}
	require.NoError(t, w.c.Create(ctx(t), b))
}

func (w *world) reconcile(t *testing.T, name string) ctrl.Result {
	t.Helper()
	res, err := w.r.Reconcile(ctx(t), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: testenv.Namespace, Name: name}})
	require.NoError(t, err)
	return res
}

func (w *world) get(t *testing.T, name string) *velerov1.Backup {
	t.Helper()
	var b velerov1.Backup
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Namespace: testenv.Namespace, Name: name}, &b))
	return &b
}

// locations is the Backup's annotation, decoded, by volume.
func (w *world) locations(t *testing.T, name string) map[string]datalocation.Location {
	t.Helper()
	locs, err := datalocation.Decode(w.get(t, name).Annotations[v1alpha1.DataLocationsAnnotation])
	require.NoError(t, err)
	out := map[string]datalocation.Location{}
	for _, l := range locs {
		out[l.Volume] = l
	}
	return out
}

// calls counts the requests ECS and HBR answered.
func (w *world) calls() int {
	n := 0
	for _, c := range w.e.Srv.ECS().Stats().Operations {
		n += c
	}
	for _, c := range w.e.Srv.HBR().Stats().Operations {
		n += c
	}
	return n
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return c
}
