package restoreaction

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/restoreconfig"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"
)

// fakeReader is a stateful Reader: restores, ConfigMaps and cluster facts a test sets, and how often
// each was read.
type fakeReader struct {
	mu         sync.Mutex
	restores   []velerov1.Restore
	listErr    error
	global     *restoreconfig.Source
	configMaps map[string]*restoreconfig.Source
	cluster    restoreconfig.Cluster
	reads      int
	// clusterErrs are returned by the next calls of Cluster, one each, before it succeeds.
	clusterErrs  []error
	clusterReads int
}

func (f *fakeReader) InProgressRestores(context.Context) ([]velerov1.Restore, error) {
	return f.restores, f.listErr
}

func (f *fakeReader) GlobalConfig(context.Context) (*restoreconfig.Source, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	return f.global, nil
}

func (f *fakeReader) ConfigMap(_ context.Context, name string) (*restoreconfig.Source, error) {
	if cm, ok := f.configMaps[name]; ok {
		return cm, nil
	}
	return nil, ErrNoConfigMap
}

func (f *fakeReader) Cluster(context.Context) (restoreconfig.Cluster, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clusterReads++
	if len(f.clusterErrs) > 0 {
		err := f.clusterErrs[0]
		f.clusterErrs = f.clusterErrs[1:]
		return restoreconfig.Cluster{}, err
	}
	return f.cluster, nil
}

func restoreNamed(name, config string) velerov1.Restore {
	r := velerov1.Restore{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "velero", UID: types.UID("uid-" + name)}}
	if config != "" {
		r.Labels = map[string]string{restoreconfig.RestoreLabel: config}
	}
	r.Status.Phase = velerov1.RestorePhaseInProgress
	return r
}

func targetCluster() restoreconfig.Cluster {
	return restoreconfig.Cluster{
		StorageClasses: map[string]transform.StorageClass{
			"alicloud-disk-topology-alltype": {Name: "alicloud-disk-topology-alltype", Provisioner: "diskplugin.csi.alibabacloud.com", VolumeBindingMode: "WaitForFirstConsumer"},
			"standard":                       {Name: "standard", Provisioner: "rancher.io/local-path", VolumeBindingMode: "WaitForFirstConsumer"},
		},
		Nodes:             []string{"cn-beijing.10.0.0.1"},
		ServedAPIVersions: map[string]bool{"networking.k8s.io/v1": true},
	}
}

func newAction(t *testing.T, family string, reader Reader) *Action {
	t.Helper()
	sessions := NewSessions(reader, logrus.New())
	sessions.RetryDelays = []time.Duration{0, 0}
	a, err := New(family, sessions, logrus.New())
	require.NoError(t, err)
	return a
}

func TestAppliesToFailsTheRestoreOnInvalidConfiguration(t *testing.T) {
	tests := []struct {
		name    string
		reader  *fakeReader
		wantErr string
	}{
		{
			name: "unknown target class",
			reader: &fakeReader{restores: []velerov1.Restore{restoreNamed("r1", "mine")}, configMaps: map[string]*restoreconfig.Source{
				"mine": {Name: "velero/mine", Data: map[string]string{"storageClassMapping": "alicloud-disk-ssd: nas\n"}}}},
			wantErr: "invalid restore configuration velero/mine: rule storageClassMapping: storageclass nas not exists",
		},
		{
			name: "class of another provisioner",
			reader: &fakeReader{restores: []velerov1.Restore{restoreNamed("r1", "")}, global: &restoreconfig.Source{
				Name: "velero/global", Data: map[string]string{"storageClassMapping": "\"*\": standard\n"}}},
			wantErr: "invalid restore configuration velero/global: rule storageClassMapping: only support convert to storageclass with CSI diskplugin or nasplugin provisioner",
		},
		{
			name:    "missing per-restore configmap",
			reader:  &fakeReader{restores: []velerov1.Restore{restoreNamed("r1", "gone")}},
			wantErr: "invalid restore configuration gone: restore r1 names it in its csdr.io/config label, but no such configmap exists in the velero namespace",
		},
		{
			name: "unknown rule",
			reader: &fakeReader{restores: []velerov1.Restore{restoreNamed("r1", "mine")}, configMaps: map[string]*restoreconfig.Source{
				"mine": {Name: "velero/mine", Data: map[string]string{"imageMapping": "a: b"}}}},
			wantErr: `invalid restore configuration velero/mine: unknown rule "imageMapping"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.reader.cluster = targetCluster()
			_, err := newAction(t, "csdr.io/restore-storage", tt.reader).AppliesTo()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestAppliesToLeavesTheCheckToItemsWhenTheRestoreIsUnknown(t *testing.T) {
	bad := map[string]*restoreconfig.Source{"bad": {Name: "velero/bad", Data: map[string]string{"nodePins": "maybe"}}}
	for name, reader := range map[string]*fakeReader{
		"none in progress": {configMaps: bad},
		"two in progress":  {restores: []velerov1.Restore{restoreNamed("r1", "bad"), restoreNamed("r2", "")}, configMaps: bad},
		"list fails":       {listErr: errors.New("forbidden"), configMaps: bad},
	} {
		t.Run(name, func(t *testing.T) {
			reader.cluster = targetCluster()
			a := newAction(t, "csdr.io/restore-workloads", reader)
			sel, err := a.AppliesTo()
			require.NoError(t, err)
			assert.Contains(t, sel.IncludedResources, "deployments.apps")
			r := restoreNamed("r1", "bad")
			_, err = a.Execute(&velero.RestoreItemActionExecuteInput{Item: deployment(), ItemFromBackup: deployment(), Restore: &r})
			assert.ErrorContains(t, err, "invalid restore configuration velero/bad: rule nodePins")
		})
	}
}

func deployment() *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "web", "namespace": "shop"},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"nodeName":   "cn-hangzhou.192.168.0.12",
			"containers": []any{map[string]any{"name": "web", "image": "nginx:1.25"}},
		}}},
	}}
}

func TestExecuteRunsTheRestoresPipelineBuiltOnce(t *testing.T) {
	reader := &fakeReader{cluster: targetCluster(), global: &restoreconfig.Source{Name: "velero/global", Data: map[string]string{
		"imageRegistryMapping": "docker.io/library/: registry.cn-beijing.aliyuncs.com/shop/\n"}}}
	r := restoreNamed("r1", "")
	reader.restores = []velerov1.Restore{r}
	sessions := NewSessions(reader, logrus.New())
	workloads, err := New("csdr.io/restore-workloads", sessions, logrus.New())
	require.NoError(t, err)
	storage, err := New("csdr.io/restore-storage", sessions, logrus.New())
	require.NoError(t, err)
	for _, a := range []*Action{workloads, storage} {
		_, err := a.AppliesTo()
		require.NoError(t, err)
	}
	out, err := workloads.Execute(&velero.RestoreItemActionExecuteInput{Item: deployment(), ItemFromBackup: deployment(), Restore: &r})
	require.NoError(t, err)
	got := out.UpdatedItem.(*unstructured.Unstructured)
	image, _, _ := unstructured.NestedSlice(got.Object, "spec", "template", "spec", "containers")
	assert.Equal(t, "registry.cn-beijing.aliyuncs.com/shop/nginx:1.25", image[0].(map[string]any)["image"])
	_, pinned, _ := unstructured.NestedString(got.Object, "spec", "template", "spec", "nodeName")
	assert.False(t, pinned, "nodeName is removed from templates by default")
	assert.False(t, out.SkipRestore)
	assert.Equal(t, 1, reader.reads, "every action of the restore shares one pipeline, read once")
}

func TestExecuteSkipsPVsTheStorageRulesReplace(t *testing.T) {
	reader := &fakeReader{cluster: targetCluster(), global: &restoreconfig.Source{Name: "velero/global", Data: map[string]string{
		"storageClassMapping": "\"*\": alicloud-disk-topology-alltype\n"}}}
	r := restoreNamed("r1", "")
	a := newAction(t, "csdr.io/restore-storage", reader)
	pv := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolume", "metadata": map[string]any{"name": "pvc-aws"},
		"spec": map[string]any{
			"csi":              map[string]any{"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0abc"},
			"capacity":         map[string]any{"storage": "50Gi"},
			"claimRef":         map[string]any{"namespace": "shop", "name": "data"},
			"storageClassName": "gp3",
		},
	}}
	out, err := a.Execute(&velero.RestoreItemActionExecuteInput{Item: pv, ItemFromBackup: pv.DeepCopy(), Restore: &r})
	require.NoError(t, err)
	assert.True(t, out.SkipRestore)

	pvc := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": map[string]any{"name": "data", "namespace": "shop"},
		"spec": map[string]any{"volumeName": "pvc-aws", "storageClassName": "gp3",
			"resources": map[string]any{"requests": map[string]any{"storage": "50Gi"}}},
	}}
	out, err = a.Execute(&velero.RestoreItemActionExecuteInput{Item: pvc, ItemFromBackup: pvc.DeepCopy(), Restore: &r})
	require.NoError(t, err)
	got := out.UpdatedItem.(*unstructured.Unstructured)
	_, bound, _ := unstructured.NestedString(got.Object, "spec", "volumeName")
	assert.False(t, bound, "the claim of a replaced PV is provisioned anew")
	class, _, _ := unstructured.NestedString(got.Object, "spec", "storageClassName")
	assert.Equal(t, "alicloud-disk-topology-alltype", class)
}

func TestFamiliesCoverEveryPodCarrier(t *testing.T) {
	resources := map[string]bool{}
	for _, r := range Families["csdr.io/restore-workloads"] {
		resources[r] = true
	}
	plural := map[string]string{"Pod": "pods", "Deployment": "deployments.apps", "StatefulSet": "statefulsets.apps",
		"DaemonSet": "daemonsets.apps", "ReplicaSet": "replicasets.apps", "ReplicationController": "replicationcontrollers",
		"Job": "jobs.batch", "CronJob": "cronjobs.batch"}
	for _, kind := range transform.PodSpecKinds() {
		assert.True(t, resources[plural[kind]], "%s carries a pod spec but the workloads action does not apply to it", kind)
	}
}
