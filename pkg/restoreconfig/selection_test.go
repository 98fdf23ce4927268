package restoreconfig

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResourcesAreWhatTheRulesOnCanChange(t *testing.T) {
	always := slices.Concat(StorageResources, NetworkingResources)
	pods := []string{"pods", "deployments.apps", "statefulsets.apps", "daemonsets.apps", "replicasets.apps",
		"replicationcontrollers", "jobs.batch", "cronjobs.batch"}
	tests := []struct {
		name string
		data map[string]string
		want []string
	}{
		{name: "defaults: nodePins and cronJobConversion on", want: slices.Concat(always, pods)},
		{name: "nothing rewrites pods", data: map[string]string{"nodePins": "false"},
			want: slices.Concat(always, CronJobResources)},
		{name: "nor converts CronJobs", data: map[string]string{"nodePins": "false", "cronJobConversion": "false"}, want: always},
		{name: "an image rule", data: map[string]string{"nodePins": "false", "cronJobConversion": "false",
			"imageRegistryMapping": "quay.io/: registry.cn-beijing.aliyuncs.com/quay/\n"}, want: slices.Concat(always, pods)},
		{name: "pvcRename", data: map[string]string{"nodePins": "false", "cronJobConversion": "false", "pvcRename": "prefix: new-\n"},
			want: slices.Concat(always, pods)},
		{name: "rules that concern the always-selected kinds only", data: map[string]string{"nodePins": "false",
			"cronJobConversion": "false", "ingressConversion": "false", "diskMinimumSize": "false", "services": "nodePorts: release\n"},
			want: always},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(&Source{Name: "velero/global", Data: tt.data}, nil)
			require.NoError(t, err)
			want := slices.Sorted(slices.Values(tt.want))
			assert.Equal(t, slices.Compact(want), cfg.Resources())
		})
	}
}
