package fsbackup

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/vmware-tanzu/velero/pkg/builder"
	"github.com/vmware-tanzu/velero/pkg/kuberesource"
	"github.com/vmware-tanzu/velero/pkg/plugin/utils/volumehelper"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// Decide reads the custom action's parameters itself; this pins it to Velero's own matcher,
// ShouldPerformCustomAction with {mover: hbr}, and to the one place it is more lenient.
func TestMoverParameterAgreesWithVelero(t *testing.T) {
	cases := []struct {
		name   string
		action string
		params map[string]any
		velero bool // ShouldPerformCustomAction(..., {mover: hbr})
		hbr    bool // Decide chose HBR
	}{
		{name: "mover hbr", action: policyCustom, params: moverHBR, velero: true, hbr: true},
		{name: "mover hbr among other parameters", action: policyCustom, params: map[string]any{MoverParameter: MoverHBR, "speedLimit": "0:24:10240"}, velero: true, hbr: true},
		{name: "another mover", action: policyCustom, params: map[string]any{MoverParameter: "restic-ng"}},
		{name: "no parameters", action: policyCustom},
		{name: "mover hbr on another action type", action: policySkip, params: moverHBR},
		// Velero compares with != on any; the server still skips the volume's snapshot and fs-backup for
		// any custom action, so reading HBR as hbr keeps the data from being left to nobody.
		{name: "mover HBR in capitals", action: policyCustom, params: map[string]any{MoverParameter: "HBR"}, hbr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client := fakeClient(t, nas(), policyConfigMap(t, "own", rule(csiDriver(alibaba.NASCSIDriver), tc.action, tc.params)))
			backup := builder.ForBackup(veleroNS, "nightly").ResourcePolicies("own").Result()
			helper, err := volumehelper.NewVolumeHelperWithCache(*backup, client, quietLog(), nil)
			require.NoError(t, err)
			content, err := runtime.DefaultUnstructuredConverter.ToUnstructured(claimOf())
			require.NoError(t, err)

			velero, err := helper.ShouldPerformCustomAction(&unstructured.Unstructured{Object: content}, kuberesource.PersistentVolumeClaims, moverHBR)
			require.NoError(t, err)
			d, err := Decide(Claim{PVC: claimOf(), PV: nas()}, backup, helper)
			require.NoError(t, err)

			assert.Equal(t, tc.velero, velero)
			assert.Equal(t, tc.hbr, d.Action == HBR, d.String())
		})
	}
}
