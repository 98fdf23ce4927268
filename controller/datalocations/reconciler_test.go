package datalocations_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/testenv"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// A Backup made two hours ago with a disk (ECS snapshot) and a filesystem volume (HBR snapshot): one
// check of each, and State says what the cloud answered.
func TestACheckSaysWhetherEachSnapshotExists(t *testing.T) {
	tests := []struct {
		name string
		// change breaks the world after the snapshots were made.
		change                func(t *testing.T, w *world, ecsID, hbrID string)
		disk, files           datalocation.State
		diskMessage, filesMsg string
		calls                 int
	}{
		{name: "both exist", disk: datalocation.Exists, files: datalocation.Exists, calls: 2},
		{name: "ECS snapshot deleted", disk: datalocation.Missing, files: datalocation.Exists, calls: 2,
			change: func(t *testing.T, w *world, ecsID, _ string) {
				require.NoError(t, w.ecs.DeleteSnapshot(ctx(t), testenv.Region, ecsID))
			}},
		{name: "HBR snapshot deleted", disk: datalocation.Exists, files: datalocation.Missing, calls: 2,
			change: func(t *testing.T, w *world, _, hbrID string) {
				require.NoError(t, w.hbr.DeleteSnapshot(ctx(t), testenv.Region, w.vault.ID, hbrID))
			}},
		{name: "HBR vault deleted", disk: datalocation.Exists, files: datalocation.Missing, calls: 2,
			change: func(t *testing.T, w *world, _, _ string) {
				require.NoError(t, w.e.Srv.HBR().DeleteVault(w.vault.ID))
			}},
		{name: "ECS denied", disk: datalocation.Unknown, files: datalocation.Exists, calls: 2,
			diskMessage: "access denied (ecs DescribeSnapshots, Forbidden.RAM, request id ",
			change: func(t *testing.T, w *world, _, _ string) {
				w.e.Srv.Faults().Add(faults.Fault{Service: "ecs", Operation: "DescribeSnapshots", Status: 403, Code: "Forbidden.RAM"})
			}},
		// HBR out of reach: the client tries three times (a second, then two, apart) before it gives up.
		{name: "HBR unreachable", disk: datalocation.Exists, files: datalocation.Unknown, calls: 1 + 3,
			filesMsg: "service unavailable (hbr SearchHistoricalSnapshots, ",
			change: func(t *testing.T, w *world, _, _ string) {
				w.e.Srv.Faults().Add(faults.Fault{Service: "hbr", Operation: "SearchHistoricalSnapshots", Status: 503})
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			ecsID, hbrID := w.ecsSnapshot(t), w.hbrSnapshot(t, "files")
			made := w.clk.Now().Add(-2 * time.Hour)
			w.backup(t, "b1", []datalocation.Location{w.ecsLocation("shop/disk", ecsID, made), w.hbrLocation("shop/files", hbrID, made)})
			if tt.change != nil {
				tt.change(t, w, ecsID, hbrID)
			}

			before := w.calls()
			assert.Equal(t, ctrl.Result{RequeueAfter: period}, w.reconcile(t, "b1"))
			assert.Equal(t, tt.calls, w.calls()-before, "one call per location")

			locs := w.locations(t, "b1")
			now := w.clk.Now()
			for volume, want := range map[string]struct {
				state   datalocation.State
				message string
			}{"shop/disk": {tt.disk, tt.diskMessage}, "shop/files": {tt.files, tt.filesMsg}} {
				got := locs[volume]
				assert.Equal(t, want.state, got.State, volume)
				if assert.NotNil(t, got.CheckedAt, volume) {
					assert.True(t, now.Equal(*got.CheckedAt), "%s checked at %s, want %s", volume, got.CheckedAt, now)
				}
				if want.message == "" {
					assert.Empty(t, got.Message, volume)
				} else {
					assert.Contains(t, got.Message, want.message, volume)
				}
				assert.NotContains(t, got.Message, "Injected fault", "the service's own words stay out")
			}
			assert.Equal(t, ecsID, locs["shop/disk"].ID, "the rest of the location is kept")
			assert.Equal(t, w.vault.ID, locs["shop/files"].Vault)
			assert.Equal(t, "pv-shop/files", locs["shop/files"].PersistentVolume)
		})
	}
}

// Within a period of the last check nothing is asked and nothing written; a period after it, the check
// runs again and CheckedAt moves on, also when nothing else changed.
func TestOneCheckAPeriod(t *testing.T) {
	w := newWorld(t)
	ecsID := w.ecsSnapshot(t)
	w.backup(t, "b1", []datalocation.Location{w.ecsLocation("shop/disk", ecsID, w.clk.Now().Add(-10*time.Minute))})

	before, version := w.calls(), w.get(t, "b1").ResourceVersion
	assert.Equal(t, ctrl.Result{RequeueAfter: 50 * time.Minute}, w.reconcile(t, "b1"), "back when the check is due")
	assert.Equal(t, before, w.calls(), "no call before it is due")
	assert.Equal(t, version, w.get(t, "b1").ResourceVersion, "nothing written")

	w.clk.Step(50 * time.Minute)
	assert.Equal(t, ctrl.Result{RequeueAfter: period}, w.reconcile(t, "b1"))
	assert.Equal(t, before+1, w.calls())
	checked := w.locations(t, "b1")["shop/disk"]
	assert.Equal(t, datalocation.Exists, checked.State)
	assert.True(t, w.clk.Now().Equal(*checked.CheckedAt), "CheckedAt moves on though the state did not change")
	version = w.get(t, "b1").ResourceVersion

	// Our own patch brings the Backup back at once: it costs nothing.
	assert.Equal(t, ctrl.Result{RequeueAfter: period}, w.reconcile(t, "b1"))
	assert.Equal(t, before+1, w.calls())
	assert.Equal(t, version, w.get(t, "b1").ResourceVersion)

	w.clk.Step(20 * time.Minute)
	assert.Equal(t, ctrl.Result{RequeueAfter: 40 * time.Minute}, w.reconcile(t, "b1"))
	assert.Equal(t, before+1, w.calls())
}

// A location never checked (no CheckedAt) is checked at once, whatever the others' age.
func TestNeverCheckedIsDue(t *testing.T) {
	w := newWorld(t)
	ecsID := w.ecsSnapshot(t)
	recent := w.ecsLocation("shop/disk", ecsID, w.clk.Now())
	unchecked := w.ecsLocation("shop/gone", "s-gone", w.clk.Now())
	unchecked.CheckedAt = nil
	w.backup(t, "b1", []datalocation.Location{recent, unchecked})

	before := w.calls()
	assert.Equal(t, ctrl.Result{RequeueAfter: period}, w.reconcile(t, "b1"))
	assert.Equal(t, before+2, w.calls())
	locs := w.locations(t, "b1")
	assert.Equal(t, datalocation.Exists, locs["shop/disk"].State)
	assert.Equal(t, datalocation.Missing, locs["shop/gone"].State)
}

// A location without a region or vault cannot be asked about: Unknown, and no call.
func TestIncompleteLocationsAreUnknown(t *testing.T) {
	w := newWorld(t)
	old := w.clk.Now().Add(-2 * period)
	noRegion := datalocation.Location{Volume: "shop/a", Kind: datalocation.ECSSnapshot, ID: "s-1", State: datalocation.Exists, CheckedAt: &old}
	noVault := datalocation.Location{Volume: "shop/b", Kind: datalocation.HBRSnapshot, ID: "s-2", Region: testenv.Region, State: datalocation.Exists, CheckedAt: &old}
	w.backup(t, "b1", []datalocation.Location{noRegion, noVault})

	before := w.calls()
	w.reconcile(t, "b1")
	assert.Equal(t, before, w.calls())
	locs := w.locations(t, "b1")
	assert.Equal(t, datalocation.Unknown, locs["shop/a"].State)
	assert.Equal(t, "check failed: no region recorded", locs["shop/a"].Message)
	assert.Equal(t, datalocation.Unknown, locs["shop/b"].State)
	assert.Equal(t, "check failed: no vault recorded", locs["shop/b"].Message)
}

// Backups without locations, with an empty list or with one that cannot be read, and Backups that are
// gone, are left alone: no call, no write, no requeue.
func TestBackupsWithoutLocationsAreUntouched(t *testing.T) {
	w := newWorld(t)
	w.backup(t, "plain", nil)
	w.backup(t, "empty", []datalocation.Location{})
	w.backup(t, "garbled", nil)
	garbled := w.get(t, "garbled")
	garbled.Annotations[v1alpha1.DataLocationsAnnotation] = "pv-1: s-1"
	require.NoError(t, w.c.Update(ctx(t), garbled))

	before := w.calls()
	for _, name := range []string{"plain", "empty", "garbled", "absent"} {
		t.Run(name, func(t *testing.T) {
			var version string
			if name != "absent" {
				version = w.get(t, name).ResourceVersion
			}
			assert.Equal(t, ctrl.Result{}, w.reconcile(t, name))
			if name != "absent" {
				assert.Equal(t, version, w.get(t, name).ResourceVersion)
			}
		})
	}
	assert.Equal(t, before, w.calls())
	assert.NotContains(t, w.get(t, "plain").Annotations, v1alpha1.DataLocationsAnnotation)
}
