package harness

import (
	"context"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	storagelisters "k8s.io/client-go/listers/storage/v1"
	"k8s.io/client-go/tools/cache"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
)

// layerWorld is a CSI layer without its informers: the test puts objects into the caches the layer
// reads (as informers would, when the test says so), and the fake clientset records what it writes.
type layerWorld struct {
	t       *testing.T
	l       *csiLayer
	kube    *fake.Clientset
	caches  map[string]cache.Indexer
	session *Session
}

const ebsDriver = "ebs.csi.aws.com"

func newLayerWorld(t *testing.T, withCloud bool) *layerWorld {
	t.Helper()
	dir := t.TempDir()
	s := &Session{Dir: dir}
	node := func(name, zone, root string) Node {
		return Node{Name: name, Region: "cn-hangzhou", Zone: zone, Dir: filepath.Join(dir, "nodes", "a", name), KubeletRoot: root}
	}
	c := &Cluster{Name: "a", session: s, region: "cn-hangzhou", nodes: []Node{node("a-node-1", "cn-hangzhou-h", DefaultKubeletRoot),
		node("a-node-2", "cn-hangzhou-i", "/data/kubelet"), node("a-node-3", "cn-hangzhou-h", DefaultKubeletRoot)}}
	drivers, err := csiDrivers([]CSIDriver{{Name: ebsDriver, Kind: CSIZonal, TopologyKey: "topology.ebs.csi.aws.com/zone"}})
	require.NoError(t, err)
	log := logrus.New()
	log.SetOutput(io.Discard)
	kube := fake.NewClientset()
	w := &layerWorld{t: t, kube: kube, session: s, l: newCSILayer(c, kube, drivers, log), caches: map[string]cache.Indexer{}}
	for _, kind := range []string{"pods", "claims", "volumes", "classes"} {
		w.caches[kind] = cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{cache.NamespaceIndex: cache.MetaNamespaceIndexFunc})
	}
	w.l.pods, w.l.claims = corelisters.NewPodLister(w.caches["pods"]), corelisters.NewPersistentVolumeClaimLister(w.caches["claims"])
	w.l.volumes, w.l.classes = corelisters.NewPersistentVolumeLister(w.caches["volumes"]), storagelisters.NewStorageClassLister(w.caches["classes"])
	if withCloud {
		srv := emulatortest.NewServer(t, emulator.Options{DataDir: filepath.Join(dir, "cloud"), ECS: ecs.Options{DiskCreateDuration: ecs.Instant},
			Credentials: []emulator.Credential{{AccessKeyID: "LTAIharnesstest", AccessKeySecret: "secret"}}})
		s.cloud.Store(&Cloud{Endpoint: srv.URL, Region: "cn-hangzhou", accessKeyID: "LTAIharnesstest", AccessKeySecret: "secret",
			http: &http.Client{}})
	}
	return w
}

// put stores obj in the layer's cache of kind, as an informer would after a write.
func (w *layerWorld) put(kind string, obj runtime.Object) {
	w.t.Helper()
	require.NoError(w.t, w.caches[kind].Update(obj))
}

func (w *layerWorld) remove(kind string, obj runtime.Object) {
	w.t.Helper()
	require.NoError(w.t, w.caches[kind].Delete(obj))
}

// createdPVs are the PVs the layer created through the API, which the test then shows it through the
// cache.
func (w *layerWorld) createdPVs() []corev1.PersistentVolume {
	w.t.Helper()
	list, err := w.kube.CoreV1().PersistentVolumes().List(context.Background(), metav1.ListOptions{})
	require.NoError(w.t, err)
	return list.Items
}

// events lists the events recorded in namespace with reason.
func (w *layerWorld) events(namespace, reason string) []corev1.Event {
	w.t.Helper()
	list, err := w.kube.CoreV1().Events(namespace).List(context.Background(), metav1.ListOptions{})
	require.NoError(w.t, err)
	var out []corev1.Event
	for _, e := range list.Items {
		if e.Reason == reason {
			out = append(out, e)
		}
	}
	return out
}

func class(name, provisioner string, mode storagev1.VolumeBindingMode, params map[string]string) *storagev1.StorageClass {
	return &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: provisioner,
		VolumeBindingMode: &mode, Parameters: params}
}

func claim(name, className, size string, modes ...corev1.PersistentVolumeAccessMode) *corev1.PersistentVolumeClaim {
	if len(modes) == 0 {
		modes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce}
	}
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: name, UID: types.UID("uid-" + name), Annotations: map[string]string{}},
		Spec: corev1.PersistentVolumeClaimSpec{StorageClassName: &className, AccessModes: modes,
			Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse(size)}}},
		Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
	}
}

// bind does what the PV controller does with a provisioned PV: binds claim and PV to each other.
func (w *layerWorld) bind(pvc *corev1.PersistentVolumeClaim, pv corev1.PersistentVolume) {
	w.t.Helper()
	pvc = pvc.DeepCopy()
	pvc.Spec.VolumeName, pvc.Status.Phase = pv.Name, corev1.ClaimBound
	pv.Status.Phase = corev1.VolumeBound
	w.put("claims", pvc)
	w.put("volumes", &pv)
}

func runningPod(name, node string, claims ...string) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "app", Name: name, UID: types.UID("pod-uid-" + name)},
		Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	for _, c := range claims {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "vol-" + c,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c}}})
	}
	return pod
}

// Kubelet volume plugin directories, written out here so that the layer's paths (pkg/kubelet's) are
// held to what a kubelet makes.
const (
	pluginCSI   = "kubernetes.io~csi"
	pluginNFS   = "kubernetes.io~nfs"
	pluginLocal = "kubernetes.io~local-volume"
)

// mountOf is the host path where the layer mounts pv for pod on node:
// <kubelet root>/pods/<uid>/volumes/<plugin>/<pv>[/<sub>].
func (w *layerWorld) mountOf(node, podName, plugin, pv, sub string) string {
	n, ok := w.l.c.Node(node)
	require.True(w.t, ok)
	return n.HostPath(path.Join(n.KubeletRoot, "pods", "pod-uid-"+podName, "volumes", plugin, pv, sub))
}

func readLink(t *testing.T, path string) string {
	t.Helper()
	target, err := os.Readlink(path)
	require.NoError(t, err)
	return target
}
