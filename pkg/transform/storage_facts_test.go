package transform

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// factsPipeline is the storage part of a restore's pipeline with nothing configured, over fresh facts
// of a target with the given classes.
func factsPipeline(target map[string]StorageClass) Pipeline {
	facts := NewStorageFacts(target)
	modes, _ := NewAccessModes(nil, facts)
	return Pipeline{NewBackupMarks(), modes, NewDiskMinimumSize(facts), NewBoundClaims(facts), NewStorageFactsRecorder(facts)}
}

func TestStorageFactsGolden(t *testing.T) {
	long := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	goldenCases(t, "storage_facts", map[string]Pipeline{
		"empty_target": factsPipeline(nil),
		"no_default":   factsPipeline(nil),
		"newer_default": factsPipeline(map[string]StorageClass{
			cnfsNAS: {Provisioner: NASProvisioner, Default: true, Created: long},
		}),
		"target_default": factsPipeline(map[string]StorageClass{
			topologyDisk: {Provisioner: DiskProvisioner, VolumeBindingMode: "WaitForFirstConsumer", Default: true, Created: long},
		}),
	})
}

func TestDefaultClassIsTheNewestThenTheFirstByName(t *testing.T) {
	at := func(s int) time.Time { return time.Date(2024, 1, 1, 0, 0, s, 0, time.UTC) }
	for _, tc := range []struct {
		name    string
		classes map[string]StorageClass
		want    string
	}{
		{name: "none", classes: map[string]StorageClass{"a": {}}},
		{name: "one", classes: map[string]StorageClass{"a": {}, "b": {Default: true}}, want: "b"},
		{name: "newest", classes: map[string]StorageClass{"a": {Default: true, Created: at(2)}, "b": {Default: true, Created: at(1)}}, want: "a"},
		{name: "same second", classes: map[string]StorageClass{"b": {Default: true, Created: at(1)}, "a": {Default: true, Created: at(1)}}, want: "a"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := NewStorageFacts(tc.classes).DefaultClass()
			assert.Equal(t, tc.want != "", ok)
			assert.Equal(t, tc.want, got.Name)
		})
	}
}

func TestLearnedClassesAreNewerAndNeverReplaceTheTargets(t *testing.T) {
	facts := NewStorageFacts(map[string]StorageClass{"nas": {Provisioner: NASProvisioner, Default: true, Created: time.Now().Add(-time.Hour)}})
	assert.False(t, facts.learnClass(StorageClass{Name: "nas", Provisioner: DiskProvisioner}), "the target's class stays")
	c, _ := facts.Class("nas")
	assert.Equal(t, NASProvisioner, c.Provisioner)
	assert.True(t, facts.learnClass(StorageClass{Name: "disk", Provisioner: DiskProvisioner, Default: true}))
	def, ok := facts.DefaultClass()
	require.True(t, ok)
	assert.Equal(t, "disk", def.Name, "a default class the restore creates is the newest")
}

func TestStorageClassFromObject(t *testing.T) {
	obj := &unstructured.Unstructured{}
	require.NoError(t, obj.UnmarshalJSON([]byte(`{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass",
		"metadata":{"name":"essd","creationTimestamp":"2024-05-01T10:00:00Z","annotations":{"storageclass.kubernetes.io/is-default-class":"true"}},
		"provisioner":"diskplugin.csi.alibabacloud.com","volumeBindingMode":"WaitForFirstConsumer","parameters":{"type":"cloud_essd"}}`)))
	got := StorageClassFromObject(obj)
	assert.True(t, got.Created.Equal(time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)), "created %s", got.Created)
	got.Created = time.Time{}
	assert.Equal(t, StorageClass{
		Name: "essd", Provisioner: DiskProvisioner, VolumeBindingMode: "WaitForFirstConsumer",
		Parameters: map[string]string{"type": "cloud_essd"}, Default: true,
	}, got)
}
