package restore

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// boundByController is the PV controller's mark of a binding it made; a volume pointed at a claim by
// hand must not carry it, or the controller would take the binding back.
const boundByController = "pv.kubernetes.io/bound-by-controller"

// rebind hands the filled volume to the target claim: the volume is held at Retain, the temporary pod
// and claim go, the volume is pointed at the target claim and labelled for its selector, and once the
// claim is bound the reclaim policy is put back. Each step looks at the objects first, so a restart
// anywhere repeats nothing twice.
func (s *step) rebind(ctx context.Context) (ctrl.Result, error) {
	cond := meta.FindStatusCondition(s.rec.Status.Conditions, v1alpha1.ConditionVolumeBound)
	if s.timedOut(&cond.LastTransitionTime) {
		return s.finish(ctx, v1alpha1.PhaseFailed, msgResourcesTimeout)
	}
	var pv corev1.PersistentVolume
	if err := s.r.Client.Get(ctx, types.NamespacedName{Name: s.rec.Status.VolumeName}, &pv); err != nil {
		if apierrors.IsNotFound(err) {
			return s.finish(ctx, v1alpha1.PhaseFailed, fmt.Sprintf("persistentvolume %s with the restored files is gone", s.rec.Status.VolumeName))
		}
		return ctrl.Result{}, err
	}
	if err := s.retain(ctx, &pv); err != nil {
		return ctrl.Result{}, err
	}
	gone, err := s.deleteTemporary(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !gone {
		return s.wait(ctx, "", reasonWaiting, fmt.Sprintf("waiting for temporary claim %s to go", s.rec.Spec.Target.TemporaryClaim))
	}
	target := s.rec.Spec.Target.Claim
	var claim corev1.PersistentVolumeClaim
	if err := s.r.Client.Get(ctx, types.NamespacedName{Namespace: target.Namespace, Name: target.Name}, &claim); err != nil {
		if apierrors.IsNotFound(err) {
			return s.wait(ctx, "", reasonWaiting, fmt.Sprintf("waiting for claim %s/%s", target.Namespace, target.Name))
		}
		return ctrl.Result{}, err
	}
	if claim.Spec.Selector == nil || claim.Spec.Selector.MatchLabels[v1alpha1.FilesystemRestoreLabel] != s.rec.Name {
		return s.finish(ctx, v1alpha1.PhaseFailed, fmt.Sprintf("claim %s/%s is not the claim restored for %s: its selector does not name it", target.Namespace, target.Name, s.rec.Name))
	}
	if claim.Spec.VolumeName == pv.Name && claim.Status.Phase == corev1.ClaimBound {
		return s.bound(ctx, &pv)
	}
	if msg := takenBy(&claim, pv.Name); msg != "" {
		return s.finish(ctx, v1alpha1.PhaseFailed, msg)
	}
	if err := s.pointAt(ctx, &pv, &claim); err != nil {
		return ctrl.Result{}, err
	}
	return s.wait(ctx, "", reasonWaiting, fmt.Sprintf("waiting for claim %s/%s to bind volume %s", target.Namespace, target.Name, pv.Name))
}

// retain holds the volume at Retain, keeping its policy in an annotation, so that deleting the
// temporary claim does not delete it.
func (s *step) retain(ctx context.Context, pv *corev1.PersistentVolume) error {
	if _, held := pv.Annotations[v1alpha1.ReclaimPolicyAnnotation]; held {
		return nil
	}
	patch := client.MergeFrom(pv.DeepCopy())
	metav1.SetMetaDataAnnotation(&pv.ObjectMeta, v1alpha1.ReclaimPolicyAnnotation, string(pv.Spec.PersistentVolumeReclaimPolicy))
	pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimRetain
	if err := s.r.Client.Patch(ctx, pv, patch); err != nil {
		return fmt.Errorf("retain persistentvolume %s: %w", pv.Name, err)
	}
	return nil
}

// pointAt binds the volume to the claim by hand, as Velero's data mover does: the volume's claimRef
// names the claim, its label matches the claim's selector, and the claim names the volume.
func (s *step) pointAt(ctx context.Context, pv *corev1.PersistentVolume, claim *corev1.PersistentVolumeClaim) error {
	ref := pv.Spec.ClaimRef
	if ref == nil || ref.Namespace != claim.Namespace || ref.Name != claim.Name || pv.Labels[v1alpha1.FilesystemRestoreLabel] != s.rec.Name {
		patch := client.MergeFrom(pv.DeepCopy())
		pv.Spec.ClaimRef = &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: claim.Namespace, Name: claim.Name}
		delete(pv.Annotations, boundByController)
		metav1.SetMetaDataLabel(&pv.ObjectMeta, v1alpha1.FilesystemRestoreLabel, s.rec.Name)
		if err := s.r.Client.Patch(ctx, pv, patch); err != nil {
			return fmt.Errorf("bind persistentvolume %s to claim %s/%s: %w", pv.Name, claim.Namespace, claim.Name, err)
		}
		s.event(corev1.EventTypeNormal, "VolumeRebound", "volume %s handed to claim %s/%s", pv.Name, claim.Namespace, claim.Name)
	}
	if claim.Spec.VolumeName == "" {
		patch := client.MergeFrom(claim.DeepCopy())
		claim.Spec.VolumeName = pv.Name
		if err := s.r.Client.Patch(ctx, claim, patch); err != nil {
			return fmt.Errorf("bind claim %s/%s to persistentvolume %s: %w", claim.Namespace, claim.Name, pv.Name, err)
		}
	}
	return nil
}

// bound puts the volume's reclaim policy back and ends the record: PartiallyFailed, with HBR's words,
// when HBR restored only part of the files.
func (s *step) bound(ctx context.Context, pv *corev1.PersistentVolume) (ctrl.Result, error) {
	if err := s.release(ctx, pv); err != nil {
		return ctrl.Result{}, err
	}
	held := *meta.FindStatusCondition(s.rec.Status.Conditions, v1alpha1.ConditionVolumeBound)
	target := s.rec.Spec.Target.Claim
	s.setCondition(v1alpha1.ConditionVolumeBound, metav1.ConditionTrue, reasonBound,
		fmt.Sprintf("claim %s/%s is bound to volume %s", target.Namespace, target.Name, pv.Name))
	if held.Reason == reasonRebindingPartial {
		return s.finish(ctx, v1alpha1.PhasePartiallyFailed, held.Message)
	}
	return s.finish(ctx, v1alpha1.PhaseCompleted, "")
}

// release puts back the reclaim policy retain kept, if it did.
func (s *step) release(ctx context.Context, pv *corev1.PersistentVolume) error {
	policy, held := pv.Annotations[v1alpha1.ReclaimPolicyAnnotation]
	if !held {
		return nil
	}
	patch := client.MergeFrom(pv.DeepCopy())
	delete(pv.Annotations, v1alpha1.ReclaimPolicyAnnotation)
	if policy != "" {
		pv.Spec.PersistentVolumeReclaimPolicy = corev1.PersistentVolumeReclaimPolicy(policy)
	}
	if err := s.r.Client.Patch(ctx, pv, patch); err != nil {
		return fmt.Errorf("put back the reclaim policy of persistentvolume %s: %w", pv.Name, err)
	}
	return nil
}

// takenBy says why the claim cannot take volume pv: it is bound to another one. Velero restores a
// volume whose reclaim policy is Retain as it was, pointed at the claim, and the PV controller binds a
// claim to a volume pointed at it whatever its selector says.
func takenBy(claim *corev1.PersistentVolumeClaim, pv string) string {
	if claim.Spec.VolumeName == "" || claim.Spec.VolumeName == pv {
		return ""
	}
	return fmt.Sprintf("claim %s/%s is bound to volume %s, not to the volume the files were restored into", claim.Namespace, claim.Name, claim.Spec.VolumeName)
}
