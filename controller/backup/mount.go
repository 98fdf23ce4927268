package backup

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/placement"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// MountPodTimeout bounds the wait for a temporary pod to run; ACK's words when it runs out.
const (
	MountPodTimeout    = 10 * time.Minute
	mountPodTimeoutMsg = "create cluster resources timeout"
)

// Reasons of the VolumeMounted condition.
const (
	reasonMounted        = "Mounted"
	reasonNodeBusy       = "NodeBusy"
	reasonNoEligibleNode = "NoEligibleNode"
	reasonWaitingForPod  = "WaitingForPod"
)

// MountPodName is the temporary pod of a record.
func MountPodName(record string) string { return record + "-mount" }

// mount makes sure a Running pod mounts the claim on a node the policy allows and no other volume of
// the same backup uses; it returns false (with a result) while the record has to wait.
func (s *step) mount(ctx context.Context) (bool, ctrl.Result, error) {
	st := &s.fsb.Status
	if st.Node != "" && st.Pod != nil {
		if ok, err := s.stillMounted(ctx); err != nil || ok {
			return ok, ctrl.Result{}, err
		}
		s.log.WithField("pod", st.Pod.Name).Info("the pod chosen before no longer runs; choosing again")
		st.Node, st.Pod = "", nil
		s.r.nodes.release(s.fsb.Name)
	}
	policy, err := placement.LoadPolicy(ctx, s.r.config, s.r.env.Namespace, s.r.env.ConfigMap)
	if err != nil {
		res, err := s.fail(ctx, err)
		return false, res, err
	}
	s.r.ignored.Log(s.log, policy)
	var nodes corev1.NodeList
	if err := s.r.client.List(ctx, &nodes); err != nil {
		return false, ctrl.Result{}, fmt.Errorf("list nodes: %w", err)
	}
	eligible := policy.Eligible(nodes.Items)
	if len(eligible) == 0 {
		return s.wait(ctx, reasonNoEligibleNode, fmt.Sprintf("no node may run HBR's agent under node_schedule_policy %s", policy.Schedule))
	}
	busy, err := s.busyNodes(ctx)
	if err != nil {
		return false, ctrl.Result{}, err
	}
	claim := s.fsb.Spec.Claim
	var pods corev1.PodList
	if err := s.r.client.List(ctx, &pods, client.InNamespace(claim.Namespace)); err != nil {
		return false, ctrl.Result{}, fmt.Errorf("list pods of namespace %s: %w", claim.Namespace, err)
	}
	hint := ""
	if h := s.fsb.Spec.NodeHint; h != nil {
		hint = h.Pod
	}
	mounting := placement.MountingPods(pods.Items, claim.Name, eligible, hint)
	for _, p := range mounting {
		if !busy[p.Spec.NodeName] && s.r.nodes.acquire(s.fsb.Spec.Backup.UID, p.Spec.NodeName, s.fsb.Name) {
			return s.chose(ctx, p, false)
		}
	}
	if len(mounting) > 0 {
		return s.wait(ctx, reasonNodeBusy, fmt.Sprintf("node %s backs up another volume of backup %s", mounting[0].Spec.NodeName, s.fsb.Spec.Backup.Name))
	}
	return s.mountPod(ctx, eligible, busy)
}

// mountPod starts, or waits for, the temporary pod that mounts the claim when no pod does.
func (s *step) mountPod(ctx context.Context, eligible []corev1.Node, busy map[string]bool) (bool, ctrl.Result, error) {
	claim := s.fsb.Spec.Claim
	var pod corev1.Pod
	err := s.r.client.Get(ctx, types.NamespacedName{Namespace: claim.Namespace, Name: MountPodName(s.fsb.Name)}, &pod)
	switch {
	case apierrors.IsNotFound(err):
		var free []string
		for _, n := range eligible {
			if !busy[n.Name] {
				free = append(free, n.Name)
			}
		}
		if len(free) == 0 {
			return s.wait(ctx, reasonNodeBusy, "every eligible node backs up another volume of backup "+s.fsb.Spec.Backup.Name)
		}
		p := placement.MountPod(placement.MountPodSpec{Name: MountPodName(s.fsb.Name), Namespace: claim.Namespace,
			Claim: claim.Name, ReadOnly: true, Nodes: free, Image: s.r.mountPodImage,
			Labels: map[string]string{v1alpha1.TemporaryForLabel: s.fsb.Name}})
		if err := s.r.client.Create(ctx, p); err != nil && !apierrors.IsAlreadyExists(err) {
			return false, ctrl.Result{}, fmt.Errorf("create pod %s/%s to mount claim %s: %w", p.Namespace, p.Name, claim.Name, err)
		}
		s.event(corev1.EventTypeNormal, "MountPodCreated", "no Running pod mounts claim %s/%s: started pod %s", claim.Namespace, claim.Name, p.Name)
		return s.wait(ctx, reasonWaitingForPod, "waiting for pod "+p.Name+" to run")
	case err != nil:
		return false, ctrl.Result{}, fmt.Errorf("read pod %s/%s: %w", claim.Namespace, MountPodName(s.fsb.Name), err)
	case pod.Labels[v1alpha1.TemporaryForLabel] != s.fsb.Name:
		res, err := s.fail(ctx, fmt.Errorf("pod %s/%s exists and is not this record's temporary pod", pod.Namespace, pod.Name))
		return false, res, err
	case pod.Status.Phase == corev1.PodRunning && pod.DeletionTimestamp == nil:
		if busy[pod.Spec.NodeName] || !s.r.nodes.acquire(s.fsb.Spec.Backup.UID, pod.Spec.NodeName, s.fsb.Name) {
			return s.wait(ctx, reasonNodeBusy, fmt.Sprintf("node %s backs up another volume of backup %s", pod.Spec.NodeName, s.fsb.Spec.Backup.Name))
		}
		return s.chose(ctx, pod, true)
	case pod.Status.Phase == corev1.PodFailed || pod.Status.Phase == corev1.PodSucceeded:
		if err := s.r.client.Delete(ctx, &pod); err != nil && !apierrors.IsNotFound(err) {
			return false, ctrl.Result{}, fmt.Errorf("delete ended pod %s/%s: %w", pod.Namespace, pod.Name, err)
		}
		return s.wait(ctx, reasonWaitingForPod, "pod "+pod.Name+" ended; starting another")
	case !pod.CreationTimestamp.IsZero() && s.r.env.Clock.Since(pod.CreationTimestamp.Time) > MountPodTimeout:
		res, err := s.end(ctx, v1alpha1.PhaseFailed, fmt.Sprintf("%s: pod %s/%s did not run within %s", mountPodTimeoutMsg, pod.Namespace, pod.Name, MountPodTimeout))
		return false, res, err
	}
	return s.wait(ctx, reasonWaitingForPod, "waiting for pod "+pod.Name+" to run")
}

// stillMounted checks the pod chosen before (the controller may have restarted since) and takes its
// node again.
func (s *step) stillMounted(ctx context.Context) (bool, error) {
	ref := s.fsb.Status.Pod
	var pod corev1.Pod
	err := s.r.client.Get(ctx, types.NamespacedName{Namespace: ref.Namespace, Name: ref.Name}, &pod)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read pod %s/%s: %w", ref.Namespace, ref.Name, err)
	}
	ok := pod.UID == ref.UID && pod.Status.Phase == corev1.PodRunning && pod.DeletionTimestamp == nil &&
		s.r.nodes.acquire(s.fsb.Spec.Backup.UID, s.fsb.Status.Node, s.fsb.Name)
	return ok, nil
}

func (s *step) chose(ctx context.Context, pod corev1.Pod, temporary bool) (bool, ctrl.Result, error) {
	st := &s.fsb.Status
	st.Node = pod.Spec.NodeName
	st.Pod = &v1alpha1.PodRef{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, Temporary: temporary}
	s.condition(v1alpha1.ConditionVolumeMounted, metav1.ConditionTrue, reasonMounted, fmt.Sprintf("pod %s mounts the volume on node %s", pod.Name, pod.Spec.NodeName))
	if err := s.updateStatus(ctx); err != nil {
		s.r.nodes.release(s.fsb.Name)
		return false, ctrl.Result{}, err
	}
	s.event(corev1.EventTypeNormal, "VolumeMounted", "HBR reads the volume on node %s through pod %s", st.Node, pod.Name)
	return true, ctrl.Result{}, nil
}

// wait records why the record waits and comes back at the resync pace.
func (s *step) wait(ctx context.Context, reason, msg string) (bool, ctrl.Result, error) {
	old := meta.FindStatusCondition(s.fsb.Status.Conditions, v1alpha1.ConditionVolumeMounted)
	s.condition(v1alpha1.ConditionVolumeMounted, metav1.ConditionFalse, reason, msg)
	if old == nil || old.Reason != reason || old.Message != msg {
		if err := s.updateStatus(ctx); err != nil {
			return false, ctrl.Result{}, err
		}
		if reason != reasonWaitingForPod {
			s.event(corev1.EventTypeNormal, reason, "%s", msg)
		}
	}
	return false, s.again(), nil
}

// busyNodes are the nodes where another volume of the same backup is being backed up: one volume per
// node per backup, as ACK does, so that one backup does not load one node's agent with all its volumes.
func (s *step) busyNodes(ctx context.Context) (map[string]bool, error) {
	busy := s.r.nodes.heldByOthers(s.fsb.Spec.Backup.UID, s.fsb.Name)
	var list v1alpha1.FilesystemBackupList
	if err := s.r.client.List(ctx, &list, client.InNamespace(s.fsb.Namespace)); err != nil {
		return nil, fmt.Errorf("list FilesystemBackups of namespace %s: %w", s.fsb.Namespace, err)
	}
	for _, o := range list.Items {
		if o.Name != s.fsb.Name && o.Spec.Backup.UID == s.fsb.Spec.Backup.UID && o.Status.Node != "" && !o.Status.Phase.IsTerminal() {
			busy[o.Status.Node] = true
		}
	}
	return busy, nil
}
