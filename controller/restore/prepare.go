package restore

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/placement"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

// prepare provisions the temporary claim, mounts it in a pod on an eligible node, and starts the HBR
// restore into that pod's volume directory.
func (s *step) prepare(ctx context.Context) (ctrl.Result, error) {
	src := s.rec.Spec.Source
	if s.timedOut(s.rec.Status.StartTimestamp) {
		if src.SnapshotID == "" {
			return s.finish(ctx, v1alpha1.PhaseFailed, fmt.Sprintf("%s: the snapshot of claim %s/%s never came from backup %s (its FilesystemBackup was not restored)",
				msgResourcesTimeout, src.Claim.Namespace, src.Claim.Name, src.Backup.Name))
		}
		return s.finish(ctx, v1alpha1.PhaseFailed, msgResourcesTimeout)
	}
	// The restore item action of the backup's FilesystemBackup, which Velero runs right after the
	// claim's, names the snapshot.
	if src.SnapshotID == "" {
		return s.wait(ctx, "", reasonWaiting, fmt.Sprintf("waiting for the snapshot of claim %s/%s from backup %s",
			src.Claim.Namespace, src.Claim.Name, src.Backup.Name))
	}
	// No temporary object for a snapshot HBR cannot restore here.
	// The registration's region is the cluster's too (hbrsetup uses it), so this is the one check.
	if src.Region != s.r.Env.Region {
		return s.finish(ctx, v1alpha1.PhaseFailed, fmt.Sprintf("%s (snapshot in %s, cluster in %s)", msgCrossRegion, src.Region, s.r.Env.Region))
	}
	// A target claim already bound elsewhere would never take the restored volume: no HBR work for it.
	var target corev1.PersistentVolumeClaim
	err := s.r.Client.Get(ctx, types.NamespacedName{Namespace: s.rec.Spec.Target.Claim.Namespace, Name: s.rec.Spec.Target.Claim.Name}, &target)
	switch {
	case err == nil:
		if msg := takenBy(&target, ""); msg != "" {
			return s.finish(ctx, v1alpha1.PhaseFailed, msg)
		}
	case !apierrors.IsNotFound(err):
		return ctrl.Result{}, err
	}
	claim, err := s.ensureTemporaryClaim(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	pod, err := s.temporaryPod(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	if pod == nil {
		config := s.r.ConfigReader
		if config == nil {
			config = s.r.Client
		}
		policy, err := placement.LoadPolicy(ctx, config, s.r.Env.Namespace, s.r.Env.ConfigMap)
		if err != nil {
			// The ConfigMap says what it accepts; nothing changes until someone fixes it.
			return s.finish(ctx, v1alpha1.PhaseFailed, err.Error())
		}
		if pod, err = s.createTemporaryPod(ctx, policy); err != nil {
			return ctrl.Result{}, err
		}
		if pod == nil {
			return s.wait(ctx, v1alpha1.ConditionVolumeMounted, reasonNoEligibleNode, "no node may run HBR's agent under the node policy")
		}
	}
	switch {
	case claim.Status.Phase != corev1.ClaimBound:
		return s.wait(ctx, v1alpha1.ConditionVolumeMounted, reasonWaiting, fmt.Sprintf("waiting for claim %s/%s to be bound", claim.Namespace, claim.Name))
	case pod.Status.Phase != corev1.PodRunning || pod.Spec.NodeName == "":
		return s.wait(ctx, v1alpha1.ConditionVolumeMounted, reasonWaiting, fmt.Sprintf("waiting for pod %s/%s to run", pod.Namespace, pod.Name))
	}
	st := &s.rec.Status
	st.Node, st.VolumeName = pod.Spec.NodeName, claim.Spec.VolumeName
	st.Pod = &v1alpha1.PodRef{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID, Temporary: true}
	s.setCondition(v1alpha1.ConditionVolumeMounted, metav1.ConditionTrue, reasonMounted,
		fmt.Sprintf("pod %s mounts claim %s on node %s", pod.Name, claim.Name, pod.Spec.NodeName))
	path, err := s.targetPath(ctx)
	if err != nil {
		return s.finish(ctx, v1alpha1.PhaseFailed, err.Error())
	}
	return s.startJob(ctx, path)
}

// startJob creates the HBR restore job, recording when it set out to first: HBR takes no idempotency
// token, and after a restart the client finds the job an earlier attempt made by that time.
func (s *step) startJob(ctx context.Context, path string) (ctrl.Result, error) {
	target, err := s.r.Registration.Ensure(ctx)
	if err != nil {
		return s.hbrFailed(ctx, "Ensure", err)
	}
	src := s.rec.Spec.Source
	st := &s.rec.Status
	if st.HBR == nil || st.HBR.CreatingSince == nil {
		now := metav1.NewTime(s.r.now())
		st.HBR = &v1alpha1.RestoreJob{ContainerClusterID: target.ContainerClusterID, CreatingSince: &now}
		if err := s.save(ctx); err != nil {
			return ctrl.Result{}, err
		}
	}
	client, err := s.r.hbrClient()
	if err != nil {
		return ctrl.Result{}, err
	}
	id, err := client.CreateRestoreJob(ctx, hbr.RestoreJobSpec{Region: src.Region, VaultID: src.VaultID, SnapshotID: src.SnapshotID,
		TargetContainerClusterID: st.HBR.ContainerClusterID, TargetNode: st.Node, TargetPath: path, Since: st.HBR.CreatingSince.Time})
	if err != nil {
		return s.hbrFailed(ctx, "CreateRestoreJob", err)
	}
	st.HBR.RestoreID, st.Phase, st.Message = id, v1alpha1.PhaseInProgress, ""
	s.setCondition(v1alpha1.ConditionJobCreated, metav1.ConditionTrue, reasonCreated, "HBR restore job "+id)
	s.event(corev1.EventTypeNormal, "JobCreated", "HBR restore job %s writes snapshot %s on node %s", id, src.SnapshotID, st.Node)
	s.log.WithField("job", id).Info("HBR restore job created")
	if err := s.save(ctx); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: s.r.resync()}, nil
}

// targetPath is where the kubelet mounts the temporary claim's volume for the temporary pod.
func (s *step) targetPath(ctx context.Context) (string, error) {
	st := s.rec.Status
	if st.Pod == nil || st.VolumeName == "" {
		return "", fmt.Errorf("filesystemrestore %s: no pod and volume to restore into", s.rec.Name)
	}
	var pv corev1.PersistentVolume
	if err := s.r.Client.Get(ctx, types.NamespacedName{Name: st.VolumeName}, &pv); err != nil {
		return "", fmt.Errorf("read persistentvolume %s of claim %s: %w", st.VolumeName, s.rec.Spec.Target.TemporaryClaim, err)
	}
	source, driver, err := kubelet.Source(&pv)
	if err != nil {
		return "", err
	}
	return kubelet.PodVolumeDir(s.r.Env.PodsDir, st.Pod.UID, source, driver, pv.Name)
}

// ensureTemporaryClaim returns the temporary claim, creating it first: the target claim's class, the
// backed-up volume's size and access modes.
func (s *step) ensureTemporaryClaim(ctx context.Context) (*corev1.PersistentVolumeClaim, error) {
	key := types.NamespacedName{Namespace: s.r.Env.Namespace, Name: s.rec.Spec.Target.TemporaryClaim}
	var claim corev1.PersistentVolumeClaim
	err := s.r.Client.Get(ctx, key, &claim)
	if !apierrors.IsNotFound(err) {
		return &claim, err
	}
	claim = corev1.PersistentVolumeClaim{ObjectMeta: s.temporaryMeta(key.Name),
		Spec: corev1.PersistentVolumeClaimSpec{AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			VolumeMode: new(corev1.PersistentVolumeFilesystem)}}
	if class := s.rec.Spec.Target.StorageClassName; class != "" {
		claim.Spec.StorageClassName = &class
	}
	size := resource.NewQuantity(max(s.rec.Spec.Source.BytesTotal, 1<<30), resource.BinarySI)
	if v := s.rec.Spec.Source.Volume; v != nil {
		if len(v.AccessModes) > 0 {
			claim.Spec.AccessModes = v.AccessModes
		}
		if !v.Capacity.IsZero() {
			size = &v.Capacity
		}
	}
	claim.Spec.Resources.Requests = corev1.ResourceList{corev1.ResourceStorage: *size}
	if err := controllerutil.SetControllerReference(s.rec, &claim, s.r.Client.Scheme()); err != nil {
		return nil, err
	}
	switch err := s.r.Client.Create(ctx, &claim); {
	case err == nil:
		s.event(corev1.EventTypeNormal, "ClaimCreated", "temporary claim %s created", key.Name)
	case !apierrors.IsAlreadyExists(err):
		return nil, fmt.Errorf("create temporary claim %s/%s: %w", key.Namespace, key.Name, err)
	}
	return &claim, nil
}

// temporaryPod returns the temporary pod, nil when there is none.
func (s *step) temporaryPod(ctx context.Context) (*corev1.Pod, error) {
	var pod corev1.Pod
	err := s.r.Client.Get(ctx, types.NamespacedName{Namespace: s.r.Env.Namespace, Name: s.rec.Spec.Target.TemporaryPod}, &pod)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return &pod, err
}

// createTemporaryPod mounts the temporary claim on the nodes the node policy allows; nil when none does.
func (s *step) createTemporaryPod(ctx context.Context, policy placement.Policy) (*corev1.Pod, error) {
	var nodes corev1.NodeList
	if err := s.r.Client.List(ctx, &nodes); err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	eligible := policy.Eligible(nodes.Items)
	if len(eligible) == 0 {
		return nil, nil
	}
	names := make([]string, 0, len(eligible))
	for _, n := range eligible {
		names = append(names, n.Name)
	}
	meta := s.temporaryMeta(s.rec.Spec.Target.TemporaryPod)
	pod := placement.MountPod(placement.MountPodSpec{Name: meta.Name, Namespace: meta.Namespace, Claim: s.rec.Spec.Target.TemporaryClaim,
		Nodes: names, Image: s.r.Image, Labels: meta.Labels})
	if err := controllerutil.SetControllerReference(s.rec, pod, s.r.Client.Scheme()); err != nil {
		return nil, err
	}
	switch err := s.r.Client.Create(ctx, pod); {
	case err == nil:
		s.event(corev1.EventTypeNormal, "PodCreated", "temporary pod %s mounts claim %s", pod.Name, s.rec.Spec.Target.TemporaryClaim)
	case !apierrors.IsAlreadyExists(err):
		return nil, fmt.Errorf("create temporary pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	return pod, nil
}

func (s *step) temporaryMeta(name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Name: name, Namespace: s.r.Env.Namespace,
		Labels: map[string]string{v1alpha1.TemporaryForLabel: s.rec.Name}}
}
