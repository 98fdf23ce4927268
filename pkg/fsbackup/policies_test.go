package fsbackup

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1api "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	velerov1api "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/builder"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

const globalName = "global-volume-policies"

// Velero 1.18.3's server appends the global policies after the backup's and records the ConfigMap on
// the backup; Velero's plugin helper alone does not read them.
func TestNewPoliciesReadsGlobalPolicies(t *testing.T) {
	diskToHBR := rule(csiDriver(alibaba.DiskCSIDriver), policyCustom, moverHBR)
	cases := []struct {
		name      string
		own       []map[string]any // nil: the backup names no policies
		global    []map[string]any // nil: no global ConfigMap
		annotated bool
		want      Action
		reason    Reason
	}{
		{name: "global custom hbr sends a disk to HBR", global: []map[string]any{diskToHBR}, annotated: true, want: HBR, reason: ReasonPolicyHBR},
		{name: "the backup's own match comes first", own: []map[string]any{rule(csiDriver(alibaba.DiskCSIDriver), policySkip, nil)},
			global: []map[string]any{diskToHBR}, annotated: true, want: Skip, reason: ReasonPolicySkip},
		{name: "global policies answer what the backup's leave unmatched", own: []map[string]any{rule(anyNFS, policySkip, nil)},
			global: []map[string]any{diskToHBR}, annotated: true, want: HBR, reason: ReasonPolicyHBR},
		{name: "no global match falls to the default", global: []map[string]any{rule(anyNFS, policySkip, nil)}, annotated: true, want: Snapshot, reason: ReasonAlibabaDisk},
		{name: "a backup the server did not annotate ignores the ConfigMap", global: []map[string]any{diskToHBR}, want: Snapshot, reason: ReasonAlibabaDisk},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs := []crclient.Object{disk()}
			b := builder.ForBackup(veleroNS, "nightly")
			if tc.own != nil {
				objs = append(objs, policyConfigMap(t, "own", tc.own...))
				b.ResourcePolicies("own")
			}
			if tc.global != nil {
				objs = append(objs, policyConfigMap(t, globalName, tc.global...))
			}
			if tc.annotated {
				b.ObjectMeta(builder.WithAnnotations(velerov1api.GlobalBackupVolumePolicyConfigMapAnnotation, globalName))
			}
			backup := b.Result()
			policies, err := NewPolicies(*backup, fakeClient(t, objs...), quietLog())
			require.NoError(t, err)

			d, err := Decide(Claim{PVC: claimOf(), PV: disk()}, backup, policies)
			require.NoError(t, err)
			assert.Equal(t, tc.want, d.Action, d.String())
			assert.Equal(t, tc.reason, d.Reason, d.String())
		})
	}
}

func TestNewPoliciesErrors(t *testing.T) {
	twoKeys := builder.ForConfigMap(veleroNS, globalName).Data("a.yaml", "version: v1", "b.yaml", "version: v1").Result()
	cases := []struct {
		name    string
		objs    []crclient.Object
		backup  *velerov1api.Backup
		wantErr string
	}{
		{name: "the backup's policies ConfigMap is missing", backup: builder.ForBackup(veleroNS, "nightly").ResourcePolicies("own").Result(),
			wantErr: "volume policies of backup velero/nightly"},
		{name: "the global ConfigMap is missing", backup: builder.ForBackup(veleroNS, "nightly").
			ObjectMeta(builder.WithAnnotations(velerov1api.GlobalBackupVolumePolicyConfigMapAnnotation, globalName)).Result(),
			wantErr: "global volume policies velero/" + globalName + " of backup nightly"},
		{name: "the global ConfigMap is not a policy", objs: []crclient.Object{twoKeys}, backup: builder.ForBackup(veleroNS, "nightly").
			ObjectMeta(builder.WithAnnotations(velerov1api.GlobalBackupVolumePolicyConfigMapAnnotation, globalName)).Result(),
			wantErr: "global volume policies velero/" + globalName},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPolicies(*tc.backup, fakeClient(t, tc.objs...), quietLog())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

// answer is a Policies that returns what it holds.
type answer struct {
	action string
	err    error
}

func (a answer) GetActionParameters(runtime.Unstructured, schema.GroupResource) (bool, string, map[string]any, error) {
	return a.action != "", a.action, nil, a.err
}

func TestDecideErrors(t *testing.T) {
	backup := builder.ForBackup(veleroNS, "nightly").Result()
	cases := []struct {
		name     string
		claim    Claim
		backup   *velerov1api.Backup
		policies Policies
		wantErr  string
	}{
		{name: "no claim", backup: backup, wantErr: "claim and backup are required"},
		{name: "no backup", claim: Claim{PVC: claimOf(), PV: nas()}, wantErr: "claim and backup are required"},
		{name: "a volume that is not the claim's", claim: Claim{PVC: claimOf(func(c *corev1api.PersistentVolumeClaim) { c.Spec.VolumeName = "pv-other" }), PV: nas()},
			backup: backup, wantErr: "persistentvolume pv-data is not its volume pv-other"},
		{name: "a disk PV that names no disk", claim: Claim{PVC: claimOf(), PV: csiVolume(alibaba.DiskCSIDriver, "d-1/../d-2")},
			backup: backup, wantErr: "claim app/data: persistentvolume pv-data: " + alibaba.DiskCSIDriver},
		{name: "the policy lookup fails", claim: Claim{PVC: claimOf(), PV: nas()}, backup: backup,
			policies: answer{err: errors.New("configmap gone")}, wantErr: "volume policies: configmap gone"},
		{name: "a policy action Velero does not define", claim: Claim{PVC: claimOf(), PV: nas()}, backup: backup,
			policies: answer{action: "move"}, wantErr: `volume policy action "move"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decide(tc.claim, tc.backup, tc.policies)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}

func TestDecideWithoutPolicies(t *testing.T) {
	backup := builder.ForBackup(veleroNS, "nightly").Result()
	d, err := Decide(Claim{PVC: claimOf(), PV: nas()}, backup, nil)
	require.NoError(t, err)
	assert.Equal(t, HBR, d.Action)
	assert.Equal(t, ReasonDefault, d.Reason)
}
