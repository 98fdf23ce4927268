package placement

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// MountingPods returns the Running pods (not being deleted) that mount the claim on an eligible
// node, best first: the hinted pod, then in the order of eligible (Policy.Eligible's, best first),
// then by name. The controller's temporary pods do not count: their record deletes them when it ends.
func MountingPods(pods []corev1.Pod, claim string, eligible []corev1.Node, hintPod string) []corev1.Pod {
	rank := map[string]int{}
	for i, n := range eligible {
		rank[n.Name] = i
	}
	var out []corev1.Pod
	for _, p := range pods {
		if _, ok := rank[p.Spec.NodeName]; !ok || p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil || !mounts(p, claim) ||
			p.Labels[v1alpha1.TemporaryForLabel] != "" {
			continue
		}
		out = append(out, p)
	}
	less := func(a, b corev1.Pod) bool {
		if (a.Name == hintPod) != (b.Name == hintPod) {
			return a.Name == hintPod
		}
		if rank[a.Spec.NodeName] != rank[b.Spec.NodeName] {
			return rank[a.Spec.NodeName] < rank[b.Spec.NodeName]
		}
		return a.Name < b.Name
	}
	for i := 1; i < len(out); i++ { // insertion sort: a handful of pods
		for j := i; j > 0 && less(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func mounts(p corev1.Pod, claim string) bool {
	for _, v := range p.Spec.Volumes {
		if v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == claim {
			return true
		}
	}
	return false
}

// MountPodSpec describes a temporary pod that only mounts a claim.
type MountPodSpec struct {
	Name, Namespace, Claim string
	ReadOnly               bool
	// Nodes are the nodes the pod may run on (node affinity); none leaves it to the scheduler.
	Nodes  []string
	Image  string
	Labels map[string]string
}

// MountVolumeName is the pod volume that holds the claim.
const MountVolumeName = "data"

// MountPod is a pod that mounts a claim and does nothing else, so that the kubelet lays the volume
// out where HBR's agent reads or writes it. It runs as the restricted Pod Security profile asks:
// non-root, no capabilities, no service account token, a read-only root filesystem.
func MountPod(spec MountPodSpec) *corev1.Pod {
	labels := map[string]string{}
	for k, v := range spec.Labels {
		labels[k] = v
	}
	pod := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: spec.Name, Namespace: spec.Namespace, Labels: labels},
		Spec: corev1.PodSpec{
			AutomountServiceAccountToken:  ptr.To(false),
			EnableServiceLinks:            ptr.To(false),
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: ptr.To[int64](0),
			SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](65532),
				RunAsGroup: ptr.To[int64](65532), SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
			Containers: []corev1.Container{{
				Name: "mount", Image: spec.Image, ImagePullPolicy: corev1.PullIfNotPresent,
				SecurityContext: &corev1.SecurityContext{AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true),
					RunAsNonRoot: ptr.To(true), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}}},
				VolumeMounts: []corev1.VolumeMount{{Name: MountVolumeName, MountPath: "/data", ReadOnly: spec.ReadOnly}},
			}},
			Volumes: []corev1.Volume{{Name: MountVolumeName, VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: spec.Claim, ReadOnly: spec.ReadOnly}}}},
		},
	}
	if len(spec.Nodes) > 0 {
		// The API server takes one value per metadata.name field selector, so each node is a term of
		// its own: terms are ORed.
		terms := make([]corev1.NodeSelectorTerm, 0, len(spec.Nodes))
		for _, node := range spec.Nodes {
			terms = append(terms, corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{{
				Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}})
		}
		pod.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms}}}
	}
	return pod
}
