package restoreaction

import (
	"errors"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/restoreconfig"
)

const (
	workloads  = "csdr.io/restore-workloads"
	storage    = "csdr.io/restore-storage"
	networking = "csdr.io/restore-networking"
)

var allPodCarriers = []string{"pods", "deployments.apps", "statefulsets.apps", "daemonsets.apps", "replicasets.apps",
	"replicationcontrollers", "jobs.batch", "cronjobs.batch"}

func TestEachFamilyAppliesToWhatTheRestoresRulesCanChange(t *testing.T) {
	storageAll := []string{"storageclasses.storage.k8s.io", "persistentvolumeclaims", "persistentvolumes"}
	networkingAll := []string{"services", "ingresses.networking.k8s.io", "ingresses.extensions", "gateways.gateway.networking.k8s.io"}
	tests := []struct {
		name   string
		global map[string]string
		own    map[string]string // the restore's own ConfigMap
		want   map[string][]string
	}{
		{name: "no configuration: nodePins is on by default",
			want: map[string][]string{workloads: allPodCarriers, storage: storageAll, networking: networkingAll}},
		{name: "no image rule, nodePins off: only the storage rules' StatefulSets and CronJob conversion",
			global: map[string]string{"nodePins": "false"},
			want:   map[string][]string{workloads: {"statefulsets.apps", "cronjobs.batch"}, storage: storageAll, networking: networkingAll}},
		{name: "nodePins and cronJobConversion off",
			global: map[string]string{"nodePins": "false", "cronJobConversion": "false"},
			want:   map[string][]string{workloads: {"statefulsets.apps"}, storage: storageAll, networking: networkingAll}},
		{name: "registry mapping",
			global: map[string]string{"nodePins": "false", "imageRegistryMapping": "docker.io/library/: registry.cn-beijing.aliyuncs.com/shop/\n"},
			want:   map[string][]string{workloads: allPodCarriers}},
		{name: "name mapping",
			global: map[string]string{"nodePins": "false", "imageNameMapping": "nginx:1.25: nginx:1.27\n"},
			want:   map[string][]string{workloads: allPodCarriers}},
		{name: "pvcRename rewrites the claims pods name",
			global: map[string]string{"nodePins": "false", "pvcRename": "suffix: -restored\n"},
			want:   map[string][]string{workloads: allPodCarriers}},
		{name: "the restore's own configuration turns a rule on",
			global: map[string]string{"nodePins": "false"}, own: map[string]string{"nodePins": "true"},
			want: map[string][]string{workloads: allPodCarriers}},
		{name: "the restore's own configuration turns a rule off",
			global: map[string]string{"imageRegistryMapping": "docker.io/library/: registry.cn-beijing.aliyuncs.com/shop/\n"},
			own:    map[string]string{"nodePins": "false", "cronJobConversion": "false", "imageRegistryMapping": "{}\n"},
			want:   map[string][]string{workloads: {"statefulsets.apps"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := restoreNamed("r1", "")
			reader := &fakeReader{cluster: targetCluster(), restores: []velerov1.Restore{r}}
			if tt.global != nil {
				reader.global = &restoreconfig.Source{Name: "velero/global", Data: tt.global}
			}
			if tt.own != nil {
				reader.restores = []velerov1.Restore{restoreNamed("r1", "mine")}
				reader.configMaps = map[string]*restoreconfig.Source{"mine": {Name: "velero/mine", Data: tt.own}}
			}
			sessions := NewSessions(reader, logrus.New())
			for family, want := range tt.want {
				a, err := New(family, sessions, logrus.New())
				require.NoError(t, err)
				sel, err := a.AppliesTo()
				require.NoError(t, err)
				assert.Equal(t, velero.ResourceSelector{IncludedResources: want}, sel, family)
			}
		})
	}
}

func TestAConfigurationChangedBetweenRestoresSelectsAnew(t *testing.T) {
	r1 := restoreNamed("r1", "")
	reader := &fakeReader{cluster: targetCluster(), restores: []velerov1.Restore{r1},
		global: &restoreconfig.Source{Name: "velero/global", Data: map[string]string{"nodePins": "false", "cronJobConversion": "false"}}}
	// One Sessions for both restores, as if velero server kept the plugin process (it starts one per restore).
	a, err := New(workloads, NewSessions(reader, logrus.New()), logrus.New())
	require.NoError(t, err)
	sel, err := a.AppliesTo()
	require.NoError(t, err)
	assert.Equal(t, []string{"statefulsets.apps"}, sel.IncludedResources)

	r1.Status.Phase = velerov1.RestorePhaseCompleted
	reader.restores = []velerov1.Restore{r1, restoreNamed("r2", "")}
	reader.global = &restoreconfig.Source{Name: "velero/global", Data: map[string]string{
		"imageRegistryMapping": "docker.io/library/: registry.cn-beijing.aliyuncs.com/shop/\n"}}
	sel, err = a.AppliesTo()
	require.NoError(t, err)
	assert.Equal(t, allPodCarriers, sel.IncludedResources, "the next restore reads the configuration again")
}

func TestAnUnknownConfigurationSelectsBroadlyAndSaysWhy(t *testing.T) {
	tests := map[string]struct {
		reader  *fakeReader
		wantLog string
	}{
		"list fails": {reader: &fakeReader{listErr: errors.New("forbidden")},
			wantLog: "cannot list restores in progress: our restore item actions apply to every resource they serve"},
		"none in progress": {reader: &fakeReader{},
			wantLog: "not exactly one restore in progress: our restore item actions apply to every resource they serve"},
		"reads fail": {reader: &fakeReader{restores: []velerov1.Restore{restoreNamed("r1", "")},
			clusterErrs: []error{errTimeout, errTimeout, errTimeout}},
			wantLog: "the restore rules cannot be built"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			tt.reader.cluster = targetCluster()
			tt.reader.global = &restoreconfig.Source{Name: "velero/global", Data: map[string]string{"nodePins": "false"}}
			a, hook := newLoggedAction(t, tt.reader)
			sel, err := a.AppliesTo()
			require.NoError(t, err)
			assert.Equal(t, allPodCarriers, sel.IncludedResources)
			var said []string
			for _, e := range hook.AllEntries() {
				if e.Level <= logrus.WarnLevel {
					said = append(said, e.Message)
				}
			}
			require.NotEmpty(t, said, "a configuration not read is never a silent no-op")
			assert.Contains(t, said[0], tt.wantLog)
		})
	}
}

func TestAFamilyWithNothingToDoIncludesAndExcludesItsOwn(t *testing.T) {
	tests := []struct {
		name           string
		family, wanted []string
		want           velero.ResourceSelector
	}{
		{"some", []string{"a", "b", "c"}, []string{"c", "a", "z"}, velero.ResourceSelector{IncludedResources: []string{"a", "c"}}},
		{"all", []string{"a", "b"}, []string{"b", "a"}, velero.ResourceSelector{IncludedResources: []string{"a", "b"}}},
		{"none: an empty IncludedResources would be every resource", []string{"a", "b"}, []string{"z"},
			velero.ResourceSelector{IncludedResources: []string{"a", "b"}, ExcludedResources: []string{"a", "b"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, selectFrom(tt.family, tt.wanted))
		})
	}
}

func TestEveryResourceARuleCanChangeIsServedByOneFamily(t *testing.T) {
	served := map[string]string{}
	for name, resources := range Families {
		for _, r := range resources {
			require.Empty(t, served[r], "%s is served by %s and %s", r, served[r], name)
			served[r] = name
		}
	}
	all := restoreconfig.Defaults()
	all.ImageRegistryMapping = map[string]string{"a/": "b/"}
	for _, r := range all.Resources() {
		assert.NotEmpty(t, served[r], "a rule can change %s but no family serves it", r)
	}
	assert.Len(t, all.Resources(), len(served), "every family resource is selected by some configuration")
}
