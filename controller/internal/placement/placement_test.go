package placement_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/yaml"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/placement"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		name        string
		data        map[string]string
		want        placement.Schedule
		wantIgnored []string
		wantErr     string
	}{
		{name: "no settings", data: nil, want: placement.ScheduleExclude},
		{name: "include", data: map[string]string{"applicationBackup": "node_schedule_policy: include\n"}, want: placement.ScheduleInclude},
		{name: "prefer", data: map[string]string{"applicationBackup": "node_schedule_policy: prefer"}, want: placement.SchedulePrefer},
		{name: "ACK's full example", data: map[string]string{
			"applicationBackup": "backup_max_worker_num: 15\nrestore_max_worker_num: \"5\"\ndelete_max_worker_num: 30\n" +
				"schedule_max_worker_num: 20\nconvert_max_worker_num: 15\nnode_schedule_policy: exclude\nvelero_timeout_minutes: 100\n",
			"pvBackup": "batch_snapshot_max_num: 20\nenable_ecs_snapshot: \"true\"\n"},
			want: placement.ScheduleExclude, wantIgnored: []string{
				"applicationBackup.backup_max_worker_num (set --backup-workers instead)",
				"applicationBackup.convert_max_worker_num (Velero's restore converts storage classes)",
				"applicationBackup.delete_max_worker_num (deletions run in the backup workers)",
				"applicationBackup.restore_max_worker_num (set --restore-workers instead)",
				"applicationBackup.schedule_max_worker_num (Velero runs schedules)",
				"applicationBackup.velero_timeout_minutes (set the Backup's itemOperationTimeout instead)",
				"pvBackup (only applicationBackup applies to csdr-controller)"}},
		{name: "unknown policy", data: map[string]string{"applicationBackup": "node_schedule_policy: nearest"},
			wantErr: "applicationBackup.node_schedule_policy: nearest is not one of exclude, include, prefer"},
		{name: "unknown key names the valid ones", data: map[string]string{"applicationBackup": "node_policy: include"},
			wantErr: "applicationBackup.node_policy is not a known key; valid keys: backup_max_worker_num, convert_max_worker_num, " +
				"delete_max_worker_num, node_schedule_policy, restore_max_worker_num, schedule_max_worker_num, velero_timeout_minutes"},
		{name: "worker count not a number", data: map[string]string{"applicationBackup": "backup_max_worker_num: many"},
			wantErr: "applicationBackup.backup_max_worker_num: many is not a positive integer"},
		{name: "worker count zero", data: map[string]string{"applicationBackup": "restore_max_worker_num: 0"},
			wantErr: "applicationBackup.restore_max_worker_num: 0 is not a positive integer"},
		{name: "not a map", data: map[string]string{"applicationBackup": "- include"}, wantErr: "applicationBackup is not a YAML map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := placement.ParsePolicy(tt.data)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.Schedule)
			assert.Equal(t, tt.wantIgnored, p.Ignored)
		})
	}
}

func TestLoadPolicy(t *testing.T) {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "velero", Name: "csdr-config"},
		Data: map[string]string{"applicationBackup": "node_schedule_policy: include"}}
	c := fake.NewClientBuilder().WithObjects(cm).Build()

	p, err := placement.LoadPolicy(context.Background(), c, "velero", "csdr-config")
	require.NoError(t, err)
	assert.Equal(t, placement.ScheduleInclude, p.Schedule)

	p, err = placement.LoadPolicy(context.Background(), c, "velero", "missing")
	require.NoError(t, err)
	assert.Equal(t, placement.DefaultPolicy(), p)

	cm.Data["applicationBackup"] = "node_schedule_policy: all"
	require.NoError(t, c.Update(context.Background(), cm))
	_, err = placement.LoadPolicy(context.Background(), c, "velero", "csdr-config")
	assert.EqualError(t, err, "ConfigMap velero/csdr-config: applicationBackup.node_schedule_policy: all is not one of exclude, include, prefer")
}

func node(name string, labels map[string]string, ready corev1.ConditionStatus) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}
	if ready != "" {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}
	}
	return n
}

func names(nodes []corev1.Node) []string {
	out := []string{}
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out
}

func TestEligible(t *testing.T) {
	nodes := []corev1.Node{
		node("d-excluded", map[string]string{"csdr.alibabacloud.com/agent-excluded": "true"}, corev1.ConditionTrue),
		node("c-plain", nil, corev1.ConditionTrue),
		node("b-included", map[string]string{"csdr.alibabacloud.com/agent-included": "true"}, corev1.ConditionTrue),
		node("a-plain", nil, ""),
		node("e-virtual", map[string]string{"type": "virtual-kubelet", "csdr.alibabacloud.com/agent-included": "true"}, corev1.ConditionTrue),
		node("f-not-ready", nil, corev1.ConditionFalse),
		node("g-excluded-false", map[string]string{"csdr.alibabacloud.com/agent-excluded": "false"}, corev1.ConditionTrue),
	}
	tests := []struct {
		schedule placement.Schedule
		want     []string
	}{
		{placement.ScheduleExclude, []string{"a-plain", "b-included", "c-plain", "g-excluded-false"}},
		{placement.ScheduleInclude, []string{"b-included"}},
		{placement.SchedulePrefer, []string{"b-included", "a-plain", "c-plain", "g-excluded-false", "d-excluded"}},
	}
	for _, tt := range tests {
		t.Run(string(tt.schedule), func(t *testing.T) {
			assert.Equal(t, tt.want, names(placement.Policy{Schedule: tt.schedule}.Eligible(nodes)))
		})
	}
}

func pod(name, nodeName, claim string, phase corev1.PodPhase) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
		Spec: corev1.PodSpec{NodeName: nodeName, Volumes: []corev1.Volume{{Name: "v", VolumeSource: corev1.VolumeSource{
			PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}}}}},
		Status: corev1.PodStatus{Phase: phase}}
}

func TestMountingPods(t *testing.T) {
	eligible := []corev1.Node{node("n-included", nil, ""), node("n-plain", nil, "")}
	deleting := pod("z-deleting", "n-included", "data", corev1.PodRunning)
	deleting.DeletionTimestamp = &metav1.Time{}
	temporary := pod("y-temporary", "n-included", "data", corev1.PodRunning)
	temporary.Labels = map[string]string{"csdr.io/temporary-for": "another-record"}
	pods := []corev1.Pod{
		pod("a-on-plain", "n-plain", "data", corev1.PodRunning),
		pod("b-on-included", "n-included", "data", corev1.PodRunning),
		pod("c-pending", "n-included", "data", corev1.PodPending),
		pod("d-other-claim", "n-included", "logs", corev1.PodRunning),
		pod("e-on-excluded", "n-excluded", "data", corev1.PodRunning),
		pod("f-hinted", "n-plain", "data", corev1.PodRunning),
		deleting,
		temporary,
	}
	podNames := func(ps []corev1.Pod) []string {
		out := []string{}
		for _, p := range ps {
			out = append(out, p.Name)
		}
		return out
	}
	assert.Equal(t, []string{"f-hinted", "b-on-included", "a-on-plain"}, podNames(placement.MountingPods(pods, "data", eligible, "f-hinted")))
	assert.Equal(t, []string{"b-on-included", "a-on-plain", "f-hinted"}, podNames(placement.MountingPods(pods, "data", eligible, "")))
	assert.Empty(t, placement.MountingPods(pods, "data", nil, "f-hinted"), "no eligible node, no pod")
}

func TestMountPodGolden(t *testing.T) {
	got := placement.MountPod(placement.MountPodSpec{Name: "b1-7d1e0a2c-mount", Namespace: "shop", Claim: "data", ReadOnly: true,
		Nodes: []string{"node-1", "node-2"}, Image: "registry.k8s.io/pause:3.10",
		Labels: map[string]string{"csdr.io/temporary-for": "b1-7d1e0a2c"}})
	out, err := yaml.Marshal(got)
	require.NoError(t, err)
	golden := filepath.Join("testdata", "mountpod.yaml")
	if *update {
		require.NoError(t, os.WriteFile(golden, out, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(out))
}

func TestIgnoredLogLogsEachSettingOnce(t *testing.T) {
	log, hook := test.NewNullLogger()
	var l placement.IgnoredLog
	p := placement.Policy{Ignored: []string{"a (why)", "b (why)"}}
	l.Log(log, p)
	l.Log(log, p)
	l.Log(log, placement.Policy{Ignored: []string{"a (why)", "c (why)"}})
	require.Len(t, hook.AllEntries(), 3)
	assert.Equal(t, logrus.InfoLevel, hook.LastEntry().Level)
	assert.Equal(t, "c (why)", hook.LastEntry().Data["setting"])
}
