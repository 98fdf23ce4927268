package fsbackup

import (
	"testing"

	corev1api "k8s.io/api/core/v1"
	crclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/vmware-tanzu/velero/pkg/builder"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// The decision's share of the item action's cost per claim: a backup with two volume policies and a
// Running pod on the claim; "policies per claim" also builds the lookup each time, as an action that
// keeps nothing between items would.
func BenchmarkDecide(b *testing.B) {
	rules := []map[string]any{rule(csiDriver(alibaba.DiskCSIDriver), policySnapshot, nil), rule(csiDriver(alibaba.NASCSIDriver), policyCustom, moverHBR)}
	client := fakeClient(b, nas(), policyConfigMap(b, "own", rules...))
	backup := builder.ForBackup(veleroNS, "nightly").ResourcePolicies("own").DefaultVolumesToFsBackup(true).Result()
	claim := Claim{PVC: claimOf(), PV: nas(), Pods: []corev1api.Pod{podOf(appNS, corev1api.PodRunning)}}
	run := func(b *testing.B, client crclient.Client, perClaim bool) {
		policies, err := NewPolicies(*backup, client, quietLog())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if perClaim {
				if policies, err = NewPolicies(*backup, client, quietLog()); err != nil {
					b.Fatal(err)
				}
			}
			if d, err := Decide(claim, backup, policies); err != nil || d.Action != HBR {
				b.Fatalf("decide: %v, %v", d, err)
			}
		}
	}
	b.Run("policies per backup", func(b *testing.B) { run(b, client, false) })
	b.Run("policies per claim", func(b *testing.B) { run(b, client, true) })
}
