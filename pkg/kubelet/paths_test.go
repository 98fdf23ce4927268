package kubelet

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

func TestPodVolumeDir(t *testing.T) {
	tests := []struct {
		name, podsDir, driver, want, err string
		source                           v1alpha1.VolumeSource
	}{
		{name: "csi", podsDir: DefaultPodsDir, source: v1alpha1.VolumeSourceCSI, driver: "nasplugin.csi.alibabacloud.com",
			want: "/var/lib/kubelet/pods/u1/volumes/kubernetes.io~csi/pv1/mount"},
		{name: "flexVolume", podsDir: DefaultPodsDir, source: v1alpha1.VolumeSourceFlexVolume, driver: "alicloud/nas",
			want: "/var/lib/kubelet/pods/u1/volumes/alicloud~nas/pv1"},
		{name: "nfs under another root", podsDir: "/data/kubelet/pods/", source: v1alpha1.VolumeSourceNFS,
			want: "/data/kubelet/pods/u1/volumes/kubernetes.io~nfs/pv1"},
		{name: "local", podsDir: DefaultPodsDir, source: v1alpha1.VolumeSourceLocal,
			want: "/var/lib/kubelet/pods/u1/volumes/kubernetes.io~local-volume/pv1"},
		{name: "relative root", podsDir: "var/lib/kubelet/pods", source: v1alpha1.VolumeSourceCSI, err: "not an absolute path"},
		{name: "flexVolume without vendor", podsDir: DefaultPodsDir, source: v1alpha1.VolumeSourceFlexVolume, driver: "a/b/c", err: "not <vendor>/<driver>"},
		{name: "unknown source", podsDir: DefaultPodsDir, source: "HostPath", err: "has no kubelet directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PodVolumeDir(tt.podsDir, "u1", tt.source, tt.driver, "pv1")
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := PodVolumeDir(DefaultPodsDir, "../x", v1alpha1.VolumeSourceCSI, "", "pv1")
	assert.ErrorContains(t, err, "must be non-empty names")
}

func TestSource(t *testing.T) {
	pv := func(src corev1.PersistentVolumeSource) *corev1.PersistentVolume {
		p := &corev1.PersistentVolume{}
		p.Name, p.Spec.PersistentVolumeSource = "pv1", src
		return p
	}
	tests := []struct {
		name   string
		pv     *corev1.PersistentVolume
		want   v1alpha1.VolumeSource
		driver string
		err    string
	}{
		{"csi", pv(corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: "ebs.csi.aws.com"}}), v1alpha1.VolumeSourceCSI, "ebs.csi.aws.com", ""},
		{"flex", pv(corev1.PersistentVolumeSource{FlexVolume: &corev1.FlexPersistentVolumeSource{Driver: "alicloud/nas"}}), v1alpha1.VolumeSourceFlexVolume, "alicloud/nas", ""},
		{"nfs", pv(corev1.PersistentVolumeSource{NFS: &corev1.NFSVolumeSource{Server: "s", Path: "/"}}), v1alpha1.VolumeSourceNFS, "", ""},
		{"local", pv(corev1.PersistentVolumeSource{Local: &corev1.LocalVolumeSource{Path: "/mnt"}}), v1alpha1.VolumeSourceLocal, "", ""},
		{"hostPath", pv(corev1.PersistentVolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/mnt"}}), "", "", "only CSI, FlexVolume, NFS and local"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, driver, err := Source(tt.pv)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.driver, driver)
		})
	}
}
