package backup_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/backup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/hbrsetup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/testenv"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

// The Kubernetes side is controller-runtime's fake client with the status subresource of the records
// (no test here starts a kube-apiserver); the HBR side is the real client on the emulator over HTTP.

const (
	nodeName   = "node-a"
	nodeIP     = "192.0.2.11"
	claimNS    = "shop"
	backupName = "b1"
	backupUID  = types.UID("a0b1c2d3-backup-uid")
)

type world struct {
	e      *testenv.Env
	c      client.WithWatch
	events *record.FakeRecorder
	node   testenv.Node
}

func scheme(t *testing.T) *runtime.Scheme {
	s := runtime.NewScheme()
	require.NoError(t, clientgoscheme.AddToScheme(s))
	require.NoError(t, v1alpha1.AddToScheme(s))
	return s
}

// newWorld is a cluster of one node with an hbr-client agent (unless agent is false) and an emulator
// whose jobs run at throughput bytes per second.
func newWorld(t *testing.T, throughput int64, agent bool) *world {
	t.Helper()
	e := testenv.New(t, throughput)
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: nodeName},
		Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: nodeIP}},
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	c := fake.NewClientBuilder().WithScheme(scheme(t)).WithStatusSubresource(&v1alpha1.FilesystemBackup{}, &corev1.Pod{}).WithObjects(&n).Build()
	w := &world{e: e, c: c, events: record.NewFakeRecorder(1000)}
	if agent {
		w.node = e.AddAgent(t, nodeName, nodeIP)
	} else {
		w.node = testenv.Node{Name: nodeName, IP: nodeIP, RootDir: t.TempDir()}
	}
	return w
}

// reconciler is a controller process: its own registry, HBR client and node locks, on client c.
func (w *world) reconciler(t *testing.T, c client.Client) *backup.Reconciler {
	t.Helper()
	r, err := backup.New(w.e.Env, backup.Config{Client: c, ConfigReader: c, Registry: hbrsetup.New(c, w.e.Env),
		Events: w.events, MountPodImage: "registry.k8s.io/pause:3.10"})
	require.NoError(t, err)
	return r
}

// failStatusWrites makes the first status write that records a job ID fail, as a controller that
// dies after CreateBackupJob and before it writes the answer down.
func (w *world) failStatusWrites() client.Client {
	failed := false
	return interceptor.NewClient(w.c, interceptor.Funcs{SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
		if fsb, ok := obj.(*v1alpha1.FilesystemBackup); ok && !failed && fsb.Status.HBR != nil && fsb.Status.HBR.JobID != "" {
			failed = true
			return context.DeadlineExceeded
		}
		return c.SubResource(sub).Update(ctx, obj, opts...)
	}})
}

// claim is a claim of namespace shop, its record's name, and the record.
type claim struct {
	name string
	uid  types.UID
}

func (cl claim) record() string { return v1alpha1.RecordName(backupName, cl.uid) }

func (w *world) createRecord(t *testing.T, cl claim, cancel bool) *v1alpha1.FilesystemBackup {
	t.Helper()
	fsb := &v1alpha1.FilesystemBackup{ObjectMeta: metav1.ObjectMeta{Namespace: testenv.Namespace, Name: cl.record(),
		Labels: map[string]string{v1alpha1.BackupNameLabel: backupName, v1alpha1.BackupUIDLabel: string(backupUID)}},
		Spec: v1alpha1.FilesystemBackupSpec{Backup: v1alpha1.OwnerRef{Name: backupName, UID: backupUID},
			Claim: v1alpha1.ClaimRef{Namespace: claimNS, Name: cl.name, UID: cl.uid},
			Volume: v1alpha1.PersistentVolumeInfo{Name: "pv-" + cl.name, UID: "pv-uid-" + cl.uid, Source: v1alpha1.VolumeSourceCSI,
				Driver: "nasplugin.csi.alibabacloud.com", StorageClassName: "alibabacloud-cnfs-nas", Capacity: resource.MustParse("8Gi"),
				AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}},
			Retention: metav1.Duration{Duration: 30 * 24 * time.Hour}, Cancel: cancel}}
	require.NoError(t, w.c.Create(context.Background(), fsb))
	return fsb
}

// runPod is a Running pod on the node that mounts the claim.
func (w *world) runPod(t *testing.T, name string, uid types.UID, cl claim) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: claimNS, Name: name, UID: uid},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "app", Image: "app"}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: cl.name}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	require.NoError(t, w.c.Create(context.Background(), p))
}

// writeVolume puts files where the kubelet mounts the claim's volume for the pod.
func (w *world) writeVolume(t *testing.T, podUID types.UID, cl claim, files map[string]string) {
	t.Helper()
	dir, err := kubelet.PodVolumeDir(kubelet.DefaultPodsDir, podUID, v1alpha1.VolumeSourceCSI, "nasplugin.csi.alibabacloud.com", "pv-"+cl.name)
	require.NoError(t, err)
	w.node.WriteFiles(t, dir, files)
}

func (w *world) get(t *testing.T, name string) *v1alpha1.FilesystemBackup {
	t.Helper()
	var fsb v1alpha1.FilesystemBackup
	require.NoError(t, w.c.Get(context.Background(), types.NamespacedName{Namespace: testenv.Namespace, Name: name}, &fsb))
	return &fsb
}

// drive reconciles the record as the manager would until done says stop, and returns every status
// it went through. Errors are retried, as the manager does.
func (w *world) drive(t *testing.T, r *backup.Reconciler, name string, done func(*v1alpha1.FilesystemBackup) bool) []v1alpha1.FilesystemBackupStatus {
	t.Helper()
	var seen []v1alpha1.FilesystemBackupStatus
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, _ = r.Reconcile(context.Background(), ctrl.Request{NamespacedName: types.NamespacedName{Namespace: testenv.Namespace, Name: name}})
		fsb := w.get(t, name)
		seen = append(seen, *fsb.Status.DeepCopy())
		if done(fsb) {
			return seen
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("record %s: condition not reached; last status %+v", name, seen[len(seen)-1])
	return nil
}

func terminal(fsb *v1alpha1.FilesystemBackup) bool { return fsb.Status.Phase.IsTerminal() }

// eventsOf drains the events recorded so far.
func (w *world) eventsOf() []string {
	var out []string
	for {
		select {
		case e := <-w.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}
