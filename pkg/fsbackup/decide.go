package fsbackup

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	corev1api "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	velerov1api "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/kuberesource"
	"github.com/vmware-tanzu/velero/pkg/util/boolptr"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// OptOutAnnotation on a claim keeps its data out of HBR; its disk, if it is one, is still snapshotted.
// The key is the API package's.
const OptOutAnnotation = v1alpha1.SkipFilesystemBackupAnnotation

// Claim is a claim as the backup sees it.
type Claim struct {
	PVC *corev1api.PersistentVolumeClaim
	// PV is the claim's volume, nil while it is unbound.
	PV *corev1api.PersistentVolume
	// Pods mount the claim, in any phase: their Velero fs-backup annotations are part of the decision.
	Pods []corev1api.Pod
}

// Decide tells who copies the claim's data in this backup; see the package documentation for the
// table. An error means the decision could not be made (a policy lookup failed, a disk PV names no
// disk); a refusal is a Decision whose Err is set.
func Decide(c Claim, backup *velerov1api.Backup, policies Policies) (Decision, error) {
	if c.PVC == nil || backup == nil {
		return Decision{}, fmt.Errorf("decide filesystem backup: claim and backup are required")
	}
	name := c.PVC.Namespace + "/" + c.PVC.Name
	if c.PVC.Spec.VolumeName == "" || c.PVC.Status.Phase != corev1api.ClaimBound {
		return Decision{Action: Skip, Reason: ReasonUnbound,
			Detail: fmt.Sprintf("claim %s is %s: there is no data to back up", name, phaseOf(c.PVC))}, nil
	}
	if c.PV == nil {
		return Decision{Action: Skip, Reason: ReasonUnbound,
			Detail: fmt.Sprintf("claim %s is bound to persistentvolume %s, which does not exist: there is no data to back up", name, c.PVC.Spec.VolumeName)}, nil
	}
	if c.PV.Name != c.PVC.Spec.VolumeName {
		return Decision{}, fmt.Errorf("decide filesystem backup of claim %s: persistentvolume %s is not its volume %s",
			name, c.PV.Name, c.PVC.Spec.VolumeName)
	}
	d := Decision{Source: sourceOf(c.PV)}

	disk, err := diskOf(c.PV)
	if err != nil {
		return Decision{}, fmt.Errorf("decide filesystem backup of claim %s: persistentvolume %s: %w", name, c.PV.Name, err)
	}
	d.DiskID = disk

	matched, action, params, err := lookup(policies, c.PVC)
	if err != nil {
		return Decision{}, fmt.Errorf("decide filesystem backup of claim %s: volume policies: %w", name, err)
	}
	if matched {
		d.Parameters = maps.Clone(params)
		return byPolicy(d, c, action)
	}

	optedIn := veleroFSBackupPods(c.Pods, c.PVC, backup, disk != "")
	switch {
	case disk != "" && optedIn != "":
		return d.with(Skip, ReasonVeleroFSBackup, "disk %s of claim %s is backed up by Velero's fs-backup of pod %s", disk, name, optedIn), nil
	case disk != "" && boolptr.IsSetToFalse(backup.Spec.SnapshotVolumes):
		return d.with(Skip, ReasonSnapshotsDisabled, "disk %s of claim %s is not snapshotted: the backup sets snapshotVolumes false", disk, name), nil
	case disk != "":
		return d.with(Snapshot, ReasonAlibabaDisk, "disk %s of claim %s is left to its ECS snapshot", disk, name), nil
	case optedIn != "":
		return d.with(Skip, ReasonVeleroFSBackup, "claim %s is backed up by Velero's fs-backup of pod %s", name, optedIn), nil
	}
	return checkHBR(d.with(HBR, ReasonDefault, "claim %s (%s) is not an Alibaba disk: Cloud Backup copies its files", name, d.Source), c), nil
}

func byPolicy(d Decision, c Claim, action string) (Decision, error) {
	name := c.PVC.Namespace + "/" + c.PVC.Name
	switch action {
	case policyCustom:
		if mover, _ := d.Parameters[MoverParameter].(string); strings.EqualFold(mover, MoverHBR) {
			return checkHBR(d.with(HBR, ReasonPolicyHBR, "claim %s (%s) is sent to Cloud Backup by a volume policy", name, d.Source), c), nil
		}
		return d.with(Skip, ReasonOtherCustomAction, "claim %s matches a custom volume policy for another mover (%s=%v)",
			name, MoverParameter, d.Parameters[MoverParameter]), nil
	case policySkip:
		return d.with(Skip, ReasonPolicySkip, "claim %s is skipped by a volume policy", name), nil
	case policyFSBackup:
		return d.with(Skip, ReasonPolicyFSBackup, "claim %s is left to Velero's fs-backup by a volume policy", name), nil
	case policySnapshot:
		if d.DiskID != "" {
			return d.with(Snapshot, ReasonPolicySnapshot, "disk %s of claim %s is left to its ECS snapshot by a volume policy", d.DiskID, name), nil
		}
		return d.with(Skip, ReasonPolicySnapshot, "claim %s is left to Velero's snapshots by a volume policy", name), nil
	}
	return Decision{}, fmt.Errorf("decide filesystem backup of claim %s: volume policy action %q is not one Velero defines", name, action)
}

// checkHBR applies what stands between a claim and HBR: the claim's own opt-out, then what HBR
// cannot read. The opt-out comes first so that it is the way out of a refusal.
func checkHBR(d Decision, c Claim) Decision {
	name := c.PVC.Namespace + "/" + c.PVC.Name
	if optedOut(c.PVC) {
		return d.with(Skip, ReasonOptOut, "claim %s is annotated %s: \"true\"", name, OptOutAnnotation)
	}
	if isBlock(c.PVC.Spec.VolumeMode) || isBlock(c.PV.Spec.VolumeMode) {
		return d.with(Refuse, ReasonBlockMode, "claim %s is volumeMode Block, which Cloud Backup cannot read; "+
			"back up a disk with ECS snapshots, or annotate the claim %s: \"true\"", name, OptOutAnnotation)
	}
	if c.PV.Spec.HostPath != nil {
		return d.with(Refuse, ReasonHostPath, "claim %s is bound to hostPath volume %s, which is not under the kubelet's pods "+
			"directory where Cloud Backup reads volumes; annotate the claim %s: \"true\"", name, c.PV.Name, OptOutAnnotation)
	}
	return d
}

func (d Decision) with(a Action, r Reason, format string, args ...any) Decision {
	d.Action, d.Reason, d.Detail = a, r, fmt.Sprintf(format, args...)
	return d
}

func lookup(policies Policies, pvc *corev1api.PersistentVolumeClaim) (bool, string, map[string]any, error) {
	if policies == nil {
		return false, "", nil, nil
	}
	content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(pvc)
	if err != nil {
		return false, "", nil, fmt.Errorf("convert claim: %w", err)
	}
	return policies.GetActionParameters(&unstructured.Unstructured{Object: content}, kuberesource.PersistentVolumeClaims)
}

// diskOf is the PV's ECS disk ID, empty when it is not an Alibaba disk.
func diskOf(pv *corev1api.PersistentVolume) (string, error) {
	spec, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&pv.Spec)
	if err != nil {
		return "", fmt.Errorf("convert spec: %w", err)
	}
	id, _, ok, err := alibaba.Disk(spec)
	if err != nil || !ok {
		return "", err
	}
	return id, nil
}

func optedOut(pvc *corev1api.PersistentVolumeClaim) bool {
	yes, err := strconv.ParseBool(pvc.Annotations[OptOutAnnotation])
	return err == nil && yes
}

func isBlock(mode *corev1api.PersistentVolumeMode) bool {
	return mode != nil && *mode == corev1api.PersistentVolumeBlock
}

func phaseOf(pvc *corev1api.PersistentVolumeClaim) string {
	if pvc.Status.Phase == "" || pvc.Status.Phase == corev1api.ClaimBound {
		return "not bound to a volume"
	}
	return string(pvc.Status.Phase)
}
