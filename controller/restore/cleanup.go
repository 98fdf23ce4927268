package restore

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// cleanup removes the temporary pod and claim of a record that is over. A volume held at Retain gets
// its reclaim policy back; one not bound to the target claim is handed back to the deleted temporary
// claim, so that the PV controller sees it Released and reclaims it: a failed or canceled restore
// leaves no volume behind (with the usual Delete policy the provisioner deletes it).
func (s *step) cleanup(ctx context.Context) error {
	if _, err := s.deleteTemporary(ctx); err != nil {
		return err
	}
	name := s.rec.Status.VolumeName
	if name == "" {
		return nil
	}
	var pv corev1.PersistentVolume
	if err := s.r.Client.Get(ctx, types.NamespacedName{Name: name}, &pv); err != nil {
		return client.IgnoreNotFound(err)
	}
	target := s.rec.Spec.Target.Claim
	ref := pv.Spec.ClaimRef
	if ref != nil && ref.Namespace == target.Namespace && ref.Name == target.Name && ref.UID != "" {
		// The PV controller bound it to the target claim (it writes the claim's UID): the claim keeps it.
		return s.release(ctx, &pv)
	}
	if ref == nil || ref.Namespace != s.r.Env.Namespace || ref.Name != s.rec.Spec.Target.TemporaryClaim || ref.UID == "" {
		// A claimRef without a UID reserves the volume for a claim to come; one whose claim is gone
		// releases it.
		patch := client.MergeFrom(pv.DeepCopy())
		pv.Spec.ClaimRef = &corev1.ObjectReference{Kind: "PersistentVolumeClaim", APIVersion: "v1", Namespace: s.r.Env.Namespace,
			Name: s.rec.Spec.Target.TemporaryClaim, UID: s.rec.UID}
		if err := s.r.Client.Patch(ctx, &pv, patch); err != nil {
			return fmt.Errorf("release persistentvolume %s: %w", pv.Name, err)
		}
	}
	return s.release(ctx, &pv)
}

// deleteTemporary deletes the temporary pod and claim, and reports whether both are gone.
func (s *step) deleteTemporary(ctx context.Context) (bool, error) {
	gone := true
	for _, t := range []struct {
		kind, name string
		obj        client.Object
	}{
		{"pod", s.rec.Spec.Target.TemporaryPod, &corev1.Pod{}},
		{"claim", s.rec.Spec.Target.TemporaryClaim, &corev1.PersistentVolumeClaim{}},
	} {
		key := types.NamespacedName{Namespace: s.r.Env.Namespace, Name: t.name}
		err := s.r.Client.Get(ctx, key, t.obj)
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return false, err
		}
		if t.obj.GetDeletionTimestamp() == nil {
			if err := s.r.Client.Delete(ctx, t.obj); client.IgnoreNotFound(err) != nil {
				return false, fmt.Errorf("delete temporary %s %s/%s: %w", t.kind, key.Namespace, key.Name, err)
			}
		}
		// A pod takes its grace period and a claim its protection finalizer: gone only once not found.
		if err := s.r.Client.Get(ctx, key, t.obj); !apierrors.IsNotFound(err) {
			gone = false
		}
	}
	return gone, nil
}
