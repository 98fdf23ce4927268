package restoreconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"
)

func cluster() Cluster {
	return Cluster{
		StorageClasses: map[string]transform.StorageClass{
			"alicloud-disk-essd":    {Name: "alicloud-disk-essd", Provisioner: transform.DiskProvisioner, VolumeBindingMode: "WaitForFirstConsumer"},
			"alicloud-disk-now":     {Name: "alicloud-disk-now", Provisioner: transform.DiskProvisioner, VolumeBindingMode: "Immediate"},
			"alibabacloud-cnfs-nas": {Name: "alibabacloud-cnfs-nas", Provisioner: transform.NASProvisioner},
		},
		Zones:             []string{"cn-beijing-h", "cn-beijing-i"},
		ServedAPIVersions: map[string]bool{"networking.k8s.io/v1": true},
	}
}

func names(p transform.Pipeline) []string {
	var out []string
	for _, r := range p {
		out = append(out, r.Name())
	}
	return out
}

func TestPipelineOrderAndDefaults(t *testing.T) {
	cfg, err := Load(nil, nil)
	require.NoError(t, err)
	p, err := cfg.Pipeline(cluster(), Restore{}, transform.NewPVReplacements())
	require.NoError(t, err)
	assert.Equal(t, []string{transform.BackupMarksRule, KeyNodePins, KeyAccessModeMapping, KeyDiskMinimumSize,
		transform.BoundClaimsRule, transform.StorageFactsRule, KeyIngressConversion, KeyCronJobConversion, KeyServices}, names(p),
		"with no configuration only what ACK does on its own runs, and the rules that keep a restore consistent")

	cfg, err = Load(&Source{Name: "velero/all", Data: map[string]string{
		KeyImageNameMapping:     "a: app1,app2\n",
		KeyImageRegistryMapping: "docker.io/library/: registry.cn-beijing.aliyuncs.com/x/\n",
		KeyStorageClassMapping:  "old: alicloud-disk-essd\n",
		KeyPVCRename:            "prefix: bj-\n",
	}}, nil)
	require.NoError(t, err)
	p, err = cfg.Pipeline(cluster(), Restore{}, transform.NewPVReplacements())
	require.NoError(t, err)
	assert.Equal(t, []string{transform.BackupMarksRule, KeyImageNameMapping, KeyImageRegistryMapping, KeyNodePins,
		KeyStorageClassMapping, KeyAccessModeMapping, KeyDiskMinimumSize, transform.BoundClaimsRule, transform.StorageFactsRule,
		KeyPVCRename, KeyIngressConversion, KeyCronJobConversion, KeyServices}, names(p), "every rule, in the one documented order")
}

func TestPipelineChecksRulesAgainstTheCluster(t *testing.T) {
	tests := []struct {
		name string
		data map[string]string
		want string
	}{
		{"unknown class", map[string]string{KeyStorageClassMapping: "old: gone\n"},
			"invalid restore configuration velero/own: rule storageClassMapping: storageclass gone not exists"},
		{"immediate disk class in a multi-zone cluster", map[string]string{KeyStorageClassMapping: "old: alicloud-disk-now\n"},
			"invalid restore configuration velero/own: rule storageClassMapping: "},
		{"multi-node disk", map[string]string{KeyAccessModeMapping: "alicloud-disk-essd: [ReadWriteMany]\n"},
			"invalid restore configuration velero/own: rule accessModeMapping: "},
		{"bad node ports", map[string]string{KeyServices: "nodePorts: random\n"},
			`invalid restore configuration velero/own: rule services: nodePorts "random" is not valid`},
		{"bad prefix", map[string]string{KeyPVCRename: "prefix: Bad_\n"},
			"invalid restore configuration velero/own: rule pvcRename: "},
		{"conflicting image rules", map[string]string{KeyImageNameMapping: "a: app1,app2\nb: app1,app3\n"},
			"invalid restore configuration velero/own: rule imageNameMapping: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(nil, &Source{Name: "velero/own", Data: tt.data})
			require.NoError(t, err)
			_, err = cfg.Pipeline(cluster(), Restore{}, transform.NewPVReplacements())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
