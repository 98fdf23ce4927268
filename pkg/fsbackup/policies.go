package fsbackup

import (
	"fmt"

	"github.com/sirupsen/logrus"
	corev1api "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	velerov1api "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/utils/volumehelper"
	vhutil "github.com/vmware-tanzu/velero/pkg/util/volumehelper"
)

// Velero's helper is a Policies as it is.
var _ Policies = vhutil.VolumeHelper(nil)

// The policy parameter that selects HBR: a VolumePolicy action
//
//	action: {type: custom, parameters: {mover: hbr}}
const (
	MoverParameter = "mover"
	MoverHBR       = "hbr"
)

// Volume policy action types as Velero's resource policies spell them (internal/resourcepolicies,
// which plugins cannot import).
const (
	policySkip     = "skip"
	policySnapshot = "snapshot"
	policyFSBackup = "fs-backup"
	policyCustom   = "custom"
)

// Policies looks up the first volume policy that matches an object. Velero's plugin helper
// (pkg/util/volumehelper.VolumeHelper) has this method; NewPolicies adds the global policies it
// misses. GetActionParameters, not ShouldPerformCustomAction, because one lookup answers every row of
// the decision (skip, snapshot, fs-backup, custom with whichever parameters), and the parameters are
// compared here as strings rather than with != on any.
type Policies interface {
	GetActionParameters(obj runtime.Unstructured, groupResource schema.GroupResource) (matched bool, action string, params map[string]any, err error)
}

// NewPolicies builds the lookup for one backup from Velero's own resource-policy code. client reads the
// policies ConfigMaps and, for a claim, its PV (the helper fetches it by spec.volumeName), so it must
// reach the cluster the backup runs in.
//
// Velero 1.18.3's --global-backup-volume-policies-configmap appends a cluster-wide ConfigMap's volume
// policies after the backup's own (first match wins) and records its name in the backup's
// velero.io/global-backup-volume-policy-configmap annotation, but the plugin helper reads only
// spec.resourcePolicy: without help, a volume a global policy sends to HBR would be left to nobody,
// because the server skips its snapshot and fs-backup. So when the annotation is set, a second helper
// reads that ConfigMap (in the backup's namespace, which is Velero's, where the server reads it too)
// and answers whatever the backup's own policies leave unmatched.
func NewPolicies(backup velerov1api.Backup, client crclient.Client, log logrus.FieldLogger) (Policies, error) {
	own, err := volumehelper.NewVolumeHelperWithCache(backup, client, log, nil)
	if err != nil {
		return nil, fmt.Errorf("volume policies of backup %s/%s: %w", backup.Namespace, backup.Name, err)
	}
	name := backup.Annotations[velerov1api.GlobalBackupVolumePolicyConfigMapAnnotation]
	if name == "" {
		return own, nil
	}
	withGlobal := backup.DeepCopy()
	withGlobal.Spec.ResourcePolicy = &corev1api.TypedLocalObjectReference{Kind: "configmap", Name: name}
	global, err := volumehelper.NewVolumeHelperWithCache(*withGlobal, client, log, nil)
	if err != nil {
		return nil, fmt.Errorf("global volume policies %s/%s of backup %s: %w", backup.Namespace, name, backup.Name, err)
	}
	return layered{own, global}, nil
}

// layered asks each lookup in turn; the first match wins, as in Velero's merged list.
type layered []Policies

func (l layered) GetActionParameters(obj runtime.Unstructured, gr schema.GroupResource) (bool, string, map[string]any, error) {
	for _, p := range l {
		matched, action, params, err := p.GetActionParameters(obj, gr)
		if err != nil || matched {
			return matched, action, params, err
		}
	}
	return false, "", nil, nil
}
