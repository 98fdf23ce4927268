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
