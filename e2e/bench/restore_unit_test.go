package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPluginLabel(t *testing.T) {
	const dir = "/run/b1/plugins"
	tests := []struct {
		name, parent, exe, had, want string
	}{
		{"our plugin", cpuVeleroPlugins, dir + "/velero-plugin-for-alibabacloud", "", cpuOurPlugin},
		{"velero's plugins", cpuVeleroPlugins, "/bin/velero", "", cpuVeleroPlugins},
		{"forked, not yet exec'd, then our plugin", cpuVeleroPlugins, dir + "/velero-plugin-for-alibabacloud", cpuVeleroPlugins, cpuOurPlugin},
		{"ended, not reaped, keeps its label", cpuVeleroPlugins, "", cpuOurPlugin, cpuOurPlugin},
		{"ended before its first sample", cpuVeleroPlugins, "", "", cpuVeleroPlugins},
		{"other cluster's child", cpuOtherCluster, dir + "/velero-plugin-for-alibabacloud", "", cpuOtherCluster},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, pluginLabel(tt.parent, tt.exe, dir, tt.had))
		})
	}
}

func TestAddedAndLoopBound(t *testing.T) {
	run := func(plugin, server float64) restoreRun {
		return restoreRun{cpu: map[string]float64{cpuOurPlugin: plugin, cpuVeleroServer: server}}
	}
	with := []restoreRun{run(7.2, 76.7), run(7.9, 80.8)}
	without := []restoreRun{run(1.2, 69.2), run(1.0, 72.1)}

	assert.InDelta(t, 6.45, added(with, without, cpuOf(cpuOurPlugin)), 1e-9)
	assert.InDelta(t, 8.1, added(with, without, cpuOf(cpuVeleroServer)), 1e-9)
	assert.InDelta(t, 1.05, loopBound(10.5, 210), 1e-9)
	assert.InDelta(t, 1.0, loopBound(0, 210), 1e-9)
}
