package restoreconfig

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadDefaults(t *testing.T) {
	cfg, err := Load(nil, nil)
	require.NoError(t, err)
	assert.True(t, cfg.NodePins)
	assert.True(t, cfg.DiskMinimumSize)
	assert.True(t, cfg.IngressConversion)
	assert.Equal(t, "keep", cfg.Services.NodePorts)
	assert.Empty(t, cfg.ImageRegistryMapping)
	assert.Equal(t, "defaults", cfg.Origin(KeyNodePins))
}

func TestLoadMergesRestoreOverGlobalRuleByRule(t *testing.T) {
	global := &Source{Name: "velero/global", Data: map[string]string{
		KeyImageRegistryMapping: "docker.io/library/: registry.cn-beijing.aliyuncs.com/a/\nquay.io/: registry.cn-beijing.aliyuncs.com/q/\n",
		KeyDiskMinimumSize:      "false",
		KeyPVCRename:            "prefix: g-\n",
	}}
	own := &Source{Name: "velero/mine", Data: map[string]string{
		KeyImageRegistryMapping: "docker.io/library/: registry.cn-shanghai.aliyuncs.com/b/\n",
		KeyServices:             "nodePorts: release\n",
	}}
	cfg, err := Load(global, own)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"docker.io/library/": "registry.cn-shanghai.aliyuncs.com/b/"}, cfg.ImageRegistryMapping,
		"the restore's rule replaces the global one whole")
	assert.False(t, cfg.DiskMinimumSize)
	assert.Equal(t, PVCRename{Prefix: "g-"}, cfg.PVCRename)
	assert.Equal(t, Services{NodePorts: "release"}, cfg.Services)
	assert.Equal(t, "velero/mine", cfg.Origin(KeyImageRegistryMapping))
	assert.Equal(t, "velero/global", cfg.Origin(KeyPVCRename))
}

func TestLoadErrorsNameTheConfigMapAndRule(t *testing.T) {
	tests := []struct {
		name string
		data map[string]string
		want string
	}{
		{"unknown rule", map[string]string{"imageMapping": "a: b"},
			`invalid restore configuration velero/x: unknown rule "imageMapping"; valid rules are: accessModeMapping, cronJobConversion, diskMinimumSize, imageNameMapping, imageRegistryMapping, ingressConversion, nodePins, pvcRename, services, storageClassMapping`},
		{"not a map", map[string]string{KeyImageRegistryMapping: "- docker.io/\n"},
			"invalid restore configuration velero/x: rule imageRegistryMapping: invalid YAML: "},
		{"empty value", map[string]string{KeyStorageClassMapping: "  \n"},
			"invalid restore configuration velero/x: rule storageClassMapping: value is empty; remove the key to turn the rule off"},
		{"unknown field", map[string]string{KeyPVCRename: "prefx: a-\n"},
			`invalid restore configuration velero/x: rule pvcRename: unknown field "prefx"; valid fields are: prefix, suffix`},
		{"access modes not a list", map[string]string{KeyAccessModeMapping: "nas: ReadWriteMany\n"},
			"invalid restore configuration velero/x: rule accessModeMapping: invalid YAML: "},
		{"bad boolean", map[string]string{KeyNodePins: "yes"},
			`invalid restore configuration velero/x: rule nodePins: "yes" is not a boolean; valid values are true, false`},
		{"bad services field", map[string]string{KeyServices: "nodeports: keep\n"},
			`invalid restore configuration velero/x: rule services: unknown field "nodeports"; valid fields are: nodePorts`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(nil, &Source{Name: "velero/x", Data: tt.data})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			var cerr *Error
			assert.True(t, errors.As(err, &cerr))
		})
	}
}
