package restore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

func TestTimeoutInACKWords(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	w := newWorld(t, clk)
	w.noBinding = true
	w.newRecord(t)
	w.until(t, "waiting", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Message != "" })

	clk.Step(ResourcesTimeout - time.Second)
	w.reconcile(t)
	assert.Equal(t, v1alpha1.PhasePreparing, w.record(t).Status.Phase)

	clk.Step(2 * time.Second)
	w.reconcile(t)
	rec := w.record(t)
	assert.Equal(t, v1alpha1.PhaseFailed, rec.Status.Phase)
	assert.Equal(t, "create cluster resources timeout", rec.Status.Message)
	w.assertNoTemporaryObjects(t)
	assert.Zero(t, w.restoreJobs(t))
	assert.Contains(t, w.drainEvents(), "Warning Failed create cluster resources timeout")
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(w *world)
		want    string
	}{
		{"another region", func(w *world) { w.r.Env.Region, w.reg.target.Region = "cn-shanghai", "cn-shanghai" },
			"only disk type PVs support cross-region restore in current version (snapshot in cn-hangzhou, cluster in cn-shanghai)"},
		{"HBR not activated", func(w *world) { w.reg.err = errNotActivated }, "HBRError: check HBR vault error"},
		{"no agent on the node", func(w *world) { w.podNode = "node-without-agent" },
			"hbr task finished with unexpected status: FAILED, errMsg ClientNotExist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t, clock.RealClock{})
			tt.prepare(w)
			w.newRecord(t)
			rec := w.until(t, "failed", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase.IsTerminal() })
			assert.Equal(t, v1alpha1.PhaseFailed, rec.Status.Phase)
			assert.Equal(t, tt.want, rec.Status.Message)
			w.assertNoTemporaryObjects(t)
			if rec.Status.VolumeName != "" {
				// Released to the deleted temporary claim, the volume goes with its Delete policy.
				pv := w.pv(t, rec.Status.VolumeName)
				assert.Equal(t, corev1.PersistentVolumeReclaimDelete, pv.Spec.PersistentVolumeReclaimPolicy)
				assert.Equal(t, "r1-7d1e4c2a-tmp", pv.Spec.ClaimRef.Name)
			}
		})
	}
}

func TestThrottledSetupIsRetried(t *testing.T) {
	w := newWorld(t, clock.RealClock{})
	w.reg.err = fmt.Errorf("hbr DescribeVaults: %w", &cloud.Error{Service: "hbr", Operation: "DescribeVaults", Kind: cloud.ErrThrottled, Code: "Throttling.User"})
	w.newRecord(t)
	rec := w.until(t, "waiting for HBR", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Message != "" && r.Status.Pod != nil })
	assert.Equal(t, v1alpha1.PhasePreparing, rec.Status.Phase)
	assert.Contains(t, rec.Status.Message, "throttled")

	w.reg.err = nil
	rec = w.until(t, "started", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase == v1alpha1.PhaseInProgress })
	assert.NotEmpty(t, rec.Status.HBR.RestoreID)
}

func TestNotTheHeldClaim(t *testing.T) {
	w := newWorld(t, clock.RealClock{})
	w.targetClaim(t, "another-record")
	w.newRecord(t)
	rec := w.until(t, "failed", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase.IsTerminal() })
	assert.Equal(t, v1alpha1.PhaseFailed, rec.Status.Phase)
	assert.Equal(t, "claim shop/data is not the claim restored for r1-7d1e4c2a: its selector does not name it", rec.Status.Message)
	pv := w.pv(t, rec.Status.VolumeName)
	assert.Equal(t, corev1.PersistentVolumeReclaimDelete, pv.Spec.PersistentVolumeReclaimPolicy)
	// Still the deleted temporary claim's: released, so the PV controller reclaims it.
	assert.Equal(t, "r1-7d1e4c2a-tmp", pv.Spec.ClaimRef.Name)
	assert.NotEmpty(t, pv.Spec.ClaimRef.UID)
}

// Velero restored the backed-up volume itself (reclaim policy Retain) and the claim bound to it: the
// files are not restored into a volume no claim would take.
func TestClaimBoundToAnotherVolume(t *testing.T) {
	w := newWorld(t, clock.RealClock{})
	w.targetClaim(t, "r1-7d1e4c2a")
	var claim corev1.PersistentVolumeClaim
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Namespace: "shop", Name: "data"}, &claim))
	claim.Spec.VolumeName = "nas-restored-as-is"
	require.NoError(t, w.c.Update(ctx(t), &claim))
	w.newRecord(t)
	rec := w.until(t, "failed", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase.IsTerminal() })
	assert.Equal(t, v1alpha1.PhaseFailed, rec.Status.Phase)
	assert.Equal(t, "claim shop/data is bound to volume nas-restored-as-is, not to the volume the files were restored into", rec.Status.Message)
	assert.Zero(t, w.restoreJobs(t))
	w.assertNoTemporaryObjects(t)
}

// partialHBR reports a finished restore as HBR does when some files could not be written.
type partialHBR struct{ hbr.Client }

func (p partialHBR) DescribeRestoreJob(ctx context.Context, region, vaultID, id string) (*hbr.RestoreJob, error) {
	job, err := p.Client.DescribeRestoreJob(ctx, region, vaultID, id)
	if err == nil && job.Status == hbr.StatusComplete {
		job.Status, job.ErrorMessage = hbr.StatusPartialComplete, "1 file could not be written"
	}
	return job, err
}

func TestPartialRestoreStillHandsTheVolumeOver(t *testing.T) {
	w := newWorld(t, clock.RealClock{})
	w.r.Env.NewHBR = func() (hbr.Client, error) { return partialHBR{w.hbr}, nil }
	w.targetClaim(t, "r1-7d1e4c2a")
	w.newRecord(t)
	rec := w.until(t, "over", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase.IsTerminal() })
	assert.Equal(t, v1alpha1.PhasePartiallyFailed, rec.Status.Phase)
	assert.Equal(t, "hbr task finished with unexpected status: PARTIAL_COMPLETE, errMsg 1 file could not be written", rec.Status.Message)
	assert.True(t, meta.IsStatusConditionTrue(rec.Status.Conditions, v1alpha1.ConditionVolumeBound))
	var claim corev1.PersistentVolumeClaim
	require.NoError(t, w.c.Get(ctx(t), types.NamespacedName{Namespace: "shop", Name: "data"}, &claim))
	assert.Equal(t, corev1.ClaimBound, claim.Status.Phase)
}

// The target claim never binds the volume pointed at it: after ACK's timeout the volume is released,
// with its reclaim policy back, so it is not left behind.
func TestRebindTimeout(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	w := newWorld(t, clk)
	w.noTargetBinding = true
	w.targetClaim(t, "r1-7d1e4c2a")
	w.newRecord(t)
	// The emulator runs on the wall clock; the record's clock stands still until the test moves it.
	rec := w.until(t, "pointed at the claim", func(r *v1alpha1.FilesystemRestore) bool {
		return r.Status.Message == "waiting for claim shop/data to bind volume pv-r1-7d1e4c2a-tmp"
	})
	pv := w.pv(t, rec.Status.VolumeName)
	assert.Equal(t, "data", pv.Spec.ClaimRef.Name)
	assert.Equal(t, corev1.PersistentVolumeReclaimRetain, pv.Spec.PersistentVolumeReclaimPolicy)

	clk.Step(ResourcesTimeout + time.Second)
	w.reconcile(t)
	rec = w.record(t)
	assert.Equal(t, v1alpha1.PhaseFailed, rec.Status.Phase)
	assert.Equal(t, "create cluster resources timeout", rec.Status.Message)
	pv = w.pv(t, rec.Status.VolumeName)
	assert.Equal(t, corev1.PersistentVolumeReclaimDelete, pv.Spec.PersistentVolumeReclaimPolicy)
	assert.Equal(t, "r1-7d1e4c2a-tmp", pv.Spec.ClaimRef.Name)
	assert.Equal(t, rec.UID, pv.Spec.ClaimRef.UID, "no claim has this UID: the volume is released")
	assert.NotContains(t, pv.Annotations, v1alpha1.ReclaimPolicyAnnotation)
}

// A csdr-config the controller cannot read fails the record with what it accepts; nothing is mounted.
func TestInvalidNodePolicy(t *testing.T) {
	w := newWorld(t, clock.RealClock{})
	require.NoError(t, w.c.Create(ctx(t), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "csdr-config", Namespace: veleroNS},
		Data: map[string]string{"applicationBackup": "node_schedule_policy: sometimes\n"}}))
	w.newRecord(t)
	rec := w.until(t, "failed", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Phase.IsTerminal() })
	assert.Equal(t, v1alpha1.PhaseFailed, rec.Status.Phase)
	assert.Contains(t, rec.Status.Message, "ConfigMap velero/csdr-config")
	w.assertNoTemporaryObjects(t)
}

// The claim's restore item action makes the record before Velero reads the backup's FilesystemBackup:
// until that names the snapshot, nothing is made; once it does, the restore goes on; when it never
// does, the record fails in ACK's words and says what was missing.
func TestWaitsForTheSnapshotFromTheBackupsRecord(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	w := newWorld(t, clk)
	rec := w.newRecord(t)
	full := rec.Spec.Source
	rec.Spec.Source = v1alpha1.RestoreSource{Backup: full.Backup, Claim: full.Claim}
	require.NoError(t, w.c.Update(ctx(t), rec))
	waiting := w.until(t, "waiting", func(r *v1alpha1.FilesystemRestore) bool { return r.Status.Message != "" })
	assert.Equal(t, v1alpha1.PhasePreparing, waiting.Status.Phase)
	assert.Equal(t, "waiting for the snapshot of claim shop/data from backup nightly", waiting.Status.Message)
	w.assertNoTemporaryObjects(t)

	clk.Step(ResourcesTimeout + time.Second)
	w.reconcile(t)
	failed := w.record(t)
	assert.Equal(t, v1alpha1.PhaseFailed, failed.Status.Phase)
	assert.Equal(t, "create cluster resources timeout: the snapshot of claim shop/data never came from backup nightly "+
		"(its FilesystemBackup was not restored)", failed.Status.Message)
	assert.Zero(t, w.restoreJobs(t))
}
