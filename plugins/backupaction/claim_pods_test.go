package backupaction

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
)

func podMounting(ns, name string, claims ...string) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "scratch",
		VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	for i, c := range claims {
		pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: "v" + string(rune('a'+i)),
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: c}}})
	}
	return pod
}

func podNames(pods []corev1.Pod) []string {
	names := []string{}
	for _, p := range pods {
		names = append(names, p.Namespace+"/"+p.Name)
	}
	return names
}

func TestClaimPodsFindsThePodsThatMountAClaim(t *testing.T) {
	kube := newFakeKube(t, true,
		podMounting(appNS, "web-2", claimName),
		podMounting(appNS, "web-1", claimName, "logs", claimName), // the claim twice: one pod
		podMounting(appNS, "batch", "logs"),
		podMounting(appNS, "cache"),
		podMounting("other", "web-0", claimName), // the same claim name in another namespace
	)
	tests := []struct {
		ns, claim string
		want      []string
	}{
		{appNS, claimName, []string{appNS + "/web-1", appNS + "/web-2"}},
		{appNS, "logs", []string{appNS + "/batch", appNS + "/web-1"}},
		{appNS, "unmounted", []string{}},
		{"other", claimName, []string{"other/web-0"}},
		{"empty", claimName, []string{}},
	}
	var index claimPods
	for _, tt := range tests {
		t.Run(tt.ns+"/"+tt.claim, func(t *testing.T) {
			pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: tt.ns, Name: tt.claim}}
			got, err := index.mounting(context.Background(), kube.c, fsBackup(""), pvc)
			require.NoError(t, err)
			assert.Equal(t, tt.want, podNames(got))
		})
	}
}

// The pods of a namespace are listed once per backup while its claims come, not once per claim; the next
// backup lists them anew.
func TestClaimPodsListsANamespaceOncePerBackup(t *testing.T) {
	lists := map[string]int{}
	kube := newFakeKube(t, true, podMounting(appNS, "web-1", claimName))
	c := interceptor.NewClient(kube.c.(crclient.WithWatch), interceptor.Funcs{
		List: func(ctx context.Context, c crclient.WithWatch, list crclient.ObjectList, opts ...crclient.ListOption) error {
			o := &crclient.ListOptions{}
			o.ApplyOptions(opts)
			lists[o.Namespace]++
			return c.List(ctx, list, opts...)
		}})
	var index claimPods
	ask := func(backup, ns, claim string) []string {
		b := fsBackup("")
		b.Name = backup
		pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: claim}}
		got, err := index.mounting(context.Background(), c, b, pvc)
		require.NoError(t, err)
		return podNames(got)
	}

	for _, claim := range []string{claimName, "logs", "data"} {
		ask("nightly", appNS, claim)
	}
	// A pod created since is not seen by the same backup in the same namespace...
	require.NoError(t, kube.c.Create(context.Background(), podMounting(appNS, "web-2", claimName)))
	assert.Equal(t, []string{appNS + "/web-1"}, ask("nightly", appNS, claimName))
	ask("nightly", "other", claimName)
	assert.Equal(t, map[string]int{appNS: 1, "other": 1}, lists)

	// ...but by the next backup.
	assert.Equal(t, []string{appNS + "/web-1", appNS + "/web-2"}, ask("weekly", appNS, claimName))
	assert.Equal(t, 2, lists[appNS])
}
