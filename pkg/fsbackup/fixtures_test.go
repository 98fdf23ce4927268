package fsbackup

import (
	"io"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	corev1api "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	crfake "sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	velerov1api "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/builder"
)

const (
	appNS    = "app"
	claim    = "data"
	volume   = "pv-data"
	veleroNS = "velero"
	podVol   = "files" // the pod's name for the claim's volume
)

// claimOf is the bound claim "app/data" on volume pv-data, changed by opts.
func claimOf(opts ...func(*corev1api.PersistentVolumeClaim)) *corev1api.PersistentVolumeClaim {
	pvc := builder.ForPersistentVolumeClaim(appNS, claim).VolumeName(volume).Phase(corev1api.ClaimBound).Result()
	for _, o := range opts {
		o(pvc)
	}
	return pvc
}

func annotated(key, value string) func(*corev1api.PersistentVolumeClaim) {
	return func(pvc *corev1api.PersistentVolumeClaim) { pvc.Annotations = map[string]string{key: value} }
}

func labelled(key, value string) func(*corev1api.PersistentVolumeClaim) {
	return func(pvc *corev1api.PersistentVolumeClaim) { pvc.Labels = map[string]string{key: value} }
}

func blockClaim(pvc *corev1api.PersistentVolumeClaim) {
	mode := corev1api.PersistentVolumeBlock
	pvc.Spec.VolumeMode = &mode
}

// volumeOf is pv-data bound to app/data with the given source.
func volumeOf(src corev1api.PersistentVolumeSource) *corev1api.PersistentVolume {
	pv := builder.ForPersistentVolume(volume).ClaimRef(appNS, claim).Phase(corev1api.VolumeBound).StorageClass("files").Result()
	pv.Spec.PersistentVolumeSource = src
	return pv
}

func csiVolume(driver, handle string) *corev1api.PersistentVolume {
	return volumeOf(corev1api.PersistentVolumeSource{CSI: &corev1api.CSIPersistentVolumeSource{Driver: driver, VolumeHandle: handle}})
}

func flexVolume(driver string, options map[string]string) *corev1api.PersistentVolume {
	return volumeOf(corev1api.PersistentVolumeSource{FlexVolume: &corev1api.FlexPersistentVolumeSource{Driver: driver, Options: options}})
}

func blockVolume(pv *corev1api.PersistentVolume) *corev1api.PersistentVolume {
	mode := corev1api.PersistentVolumeBlock
	pv.Spec.VolumeMode = &mode
	return pv
}

// podOf mounts the claim as volume podVol.
func podOf(ns string, phase corev1api.PodPhase, annotations ...string) corev1api.Pod {
	return *builder.ForPod(ns, "web-0").
		ObjectMeta(builder.WithAnnotations(annotations...)).
		Volumes(&corev1api.Volume{Name: podVol, VolumeSource: corev1api.VolumeSource{
			PersistentVolumeClaim: &corev1api.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}).
		Phase(phase).Result()
}

// rule is one volume policy; params may be nil.
func rule(conditions map[string]any, action string, params map[string]any) map[string]any {
	a := map[string]any{"type": action}
	if params != nil {
		a["parameters"] = params
	}
	return map[string]any{"conditions": conditions, "action": a}
}

func csiDriver(driver string) map[string]any {
	return map[string]any{"csi": map[string]any{"driver": driver}}
}

var anyNFS = map[string]any{"nfs": map[string]any{}}

var moverHBR = map[string]any{MoverParameter: MoverHBR}

// policyConfigMap holds rules the way users write a resource policies ConfigMap.
func policyConfigMap(t testing.TB, name string, rules ...map[string]any) *corev1api.ConfigMap {
	t.Helper()
	doc, err := yaml.Marshal(map[string]any{"version": "v1", "volumePolicies": rules})
	require.NoError(t, err)
	return builder.ForConfigMap(veleroNS, name).Data("policies.yaml", string(doc)).Result()
}

func fakeClient(t testing.TB, objs ...crclient.Object) crclient.Client {
	t.Helper()
	scheme := runtime.NewScheme()
	require.NoError(t, corev1api.AddToScheme(scheme))
	require.NoError(t, velerov1api.AddToScheme(scheme))
	return crfake.NewClientBuilder().WithScheme(scheme).WithObjects(objs...).Build()
}

func quietLog() logrus.FieldLogger {
	log := logrus.New()
	log.SetOutput(io.Discard)
	return log
}
