package contract

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/pluginhost"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/restoreaction"
)

// Velero runs restore item actions in the order its plugin manager lists them: the volume data action
// must come after every "csdr.io/restore-*" family action, so it sees the claim with its converted
// storage class and final name.
func TestVolumeDataActionRunsAfterTheFamilies(t *testing.T) {
	log, _ := newLogger()
	mgr := pluginhost.NewManager(t, log)
	actions, err := mgr.GetRestoreItemActionsV2()
	require.NoError(t, err)
	var names []string
	for _, a := range actions {
		names = append(names, a.Name())
	}
	t.Logf("restore item actions in Velero's order: %v", names)
	data := slices.Index(names, restoreaction.VolumeDataActionName)
	require.GreaterOrEqual(t, data, 0, "registered actions: %v", names)
	for family := range restoreaction.Families {
		i := slices.Index(names, family)
		require.GreaterOrEqual(t, i, 0, "registered actions: %v", names)
		assert.Less(t, i, data, "%s runs before %s: %v", family, restoreaction.VolumeDataActionName, names)
	}
}

// Velero runs no further action on an item an action skipped: the source action, which reads the
// backup's FilesystemBackups for the restores' snapshots, must be the only one of ours on them.
func TestVolumeSourceActionAloneOnFilesystemBackups(t *testing.T) {
	// The families' AppliesTo looks for the restore in progress; an API that knows none answers at once.
	serveFakeAPI(t, &fakeAPI{csdr: true})
	log, _ := newLogger()
	mgr := pluginhost.NewManager(t, log)
	actions, err := mgr.GetRestoreItemActionsV2()
	require.NoError(t, err)
	var on []string
	for _, a := range actions {
		sel, err := a.AppliesTo()
		require.NoError(t, err, a.Name())
		if len(sel.IncludedResources) == 0 || slices.Contains(sel.IncludedResources, "filesystembackups.csdr.io") {
			on = append(on, a.Name())
		}
	}
	assert.Equal(t, []string{restoreaction.VolumeSourceActionName}, on)
}
