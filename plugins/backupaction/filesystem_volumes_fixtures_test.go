package backupaction

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/builder"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/discovery"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

const (
	appNS      = "shop"
	claimName  = "files"
	claimUID   = "0f1e2d3c-aaaa-bbbb-cccc-000000000001"
	volumeName = "nas-files"
	veleroNS   = "velero"
	backupName = "nightly"
	backupUID  = "b0b0b0b0-1111-2222-3333-444444444444"
	// clusterIdentity is the UID of this cluster's kube-system.
	clusterIdentity = "5e1f0c2a-kube-system-uid"
)

// fakeKube is a cluster in memory: a controller-runtime fake with the csdr.io kinds and their status
// subresource, and a discovery that serves csdr.io only when installed.
type fakeKube struct {
	c         crclient.Client
	installed bool
	// discoveryErr fails discovery, as an API server that does not answer does.
	discoveryErr error
	// identity is the cluster's; identityErr fails reading it.
	identity    string
	identityErr error
}

func (f *fakeKube) Client() (crclient.Client, error) { return f.c, nil }

func (f *fakeKube) Identity(context.Context) (string, error) { return f.identity, f.identityErr }

func (f *fakeKube) Discovery() (discovery.DiscoveryInterface, error) {
	d := &fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}
	if f.discoveryErr != nil {
		d.AddReactor("*", "*", func(clienttesting.Action) (bool, runtime.Object, error) { return true, nil, f.discoveryErr })
	}
	if f.installed {
		d.Resources = []*metav1.APIResourceList{{GroupVersion: v1alpha1.GroupVersion.String(),
			APIResources: []metav1.APIResource{{Name: "filesystembackups", Namespaced: true, Kind: "FilesystemBackup"},
				{Name: "filesystemrestores", Namespaced: true, Kind: "FilesystemRestore"}}}}
	}
	return d, nil
}

func newFakeKube(t *testing.T, installed bool, objs ...crclient.Object) *fakeKube {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, corev1.AddToScheme(scheme))
	require.NoError(t, velerov1.AddToScheme(scheme))
	require.NoError(t, v1alpha1.AddToScheme(scheme))
	c := crfake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).
		WithStatusSubresource(&v1alpha1.FilesystemBackup{}).Build()
	return &fakeKube{c: c, installed: installed, identity: clusterIdentity}
}

func fsBackup(phase velerov1.BackupPhase) *velerov1.Backup {
	b := builder.ForBackup(veleroNS, backupName).TTL(72 * time.Hour).Phase(phase).Result()
	b.UID = backupUID
	return b
}

// boundClaim is shop/files bound to nas-files, changed by opts.
func boundClaim(opts ...func(*corev1.PersistentVolumeClaim)) *corev1.PersistentVolumeClaim {
	pvc := builder.ForPersistentVolumeClaim(appNS, claimName).VolumeName(volumeName).Phase(corev1.ClaimBound).Result()
	pvc.UID = claimUID
	for _, o := range opts {
		o(pvc)
	}
	return pvc
}

func blockMode(pvc *corev1.PersistentVolumeClaim) {
	mode := corev1.PersistentVolumeBlock
	pvc.Spec.VolumeMode = &mode
}

func optedOut(pvc *corev1.PersistentVolumeClaim) {
	pvc.Annotations = map[string]string{v1alpha1.SkipFilesystemBackupAnnotation: "true"}
}

// volume is nas-files with the given source.
func volume(src corev1.PersistentVolumeSource) *corev1.PersistentVolume {
	pv := builder.ForPersistentVolume(volumeName).ClaimRef(appNS, claimName).Phase(corev1.VolumeBound).
		StorageClass("alicloud-nas").Result()
	pv.Spec.AccessModes = []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}
	pv.UID = "pv-uid-1"
	pv.Spec.Capacity = corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("20Gi")}
	pv.Spec.PersistentVolumeSource = src
	return pv
}

func nasVolume() *corev1.PersistentVolume {
	return volume(corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: alibaba.NASCSIDriver, VolumeHandle: volumeName}})
}

func diskVolume() *corev1.PersistentVolume {
	return volume(corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: alibaba.DiskCSIDriver, VolumeHandle: "d-bp1disk"}})
}

func cephVolume() *corev1.PersistentVolume {
	return volume(corev1.PersistentVolumeSource{CephFS: &corev1.CephFSPersistentVolumeSource{Monitors: []string{"m:6789"}}})
}

// pod mounts shop/files on node in phase.
func pod(name, node string, phase corev1.PodPhase) *corev1.Pod {
	return builder.ForPod(appNS, name).NodeName(node).Phase(phase).
		Volumes(&corev1.Volume{Name: "data", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claimName}}}).Result()
}

func itemOf(t *testing.T, pvc *corev1.PersistentVolumeClaim) *unstructured.Unstructured {
	t.Helper()
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pvc)
	require.NoError(t, err)
	u := &unstructured.Unstructured{Object: content}
	u.SetAPIVersion("v1")
	u.SetKind("PersistentVolumeClaim")
	return u
}

// recordOf is the record the action makes for the claim, in phase with status st.
func recordOf(phase v1alpha1.Phase, st v1alpha1.FilesystemBackupStatus) *v1alpha1.FilesystemBackup {
	st.Phase = phase
	return &v1alpha1.FilesystemBackup{
		ObjectMeta: metav1.ObjectMeta{Namespace: veleroNS, Name: v1alpha1.RecordName(backupName, claimUID)},
		Spec: v1alpha1.FilesystemBackupSpec{
			Backup: v1alpha1.OwnerRef{Name: backupName, UID: backupUID},
			Claim:  v1alpha1.ClaimRef{Namespace: appNS, Name: claimName, UID: claimUID},
			Volume: v1alpha1.PersistentVolumeInfo{Name: volumeName, Source: v1alpha1.VolumeSourceCSI, Driver: alibaba.NASCSIDriver,
				Capacity: resource.MustParse("20Gi"), AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteMany}},
		},
		Status: st,
	}
}
