package harness

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPlanNodes(t *testing.T) {
	hangzhou := []string{"cn-hangzhou-h", "cn-hangzhou-i", "cn-hangzhou-j"}
	beijing := []string{"cn-beijing-h", "cn-beijing-i"}
	type want struct{ name, zone, root, dir string }
	tests := []struct {
		name  string
		zones []string
		specs []NodeSpec
		want  []want
		err   string
	}{
		{name: "nil specs: three nodes, one per zone", zones: hangzhou, want: []want{
			{"a-node-1", "cn-hangzhou-h", DefaultKubeletRoot, "/s/nodes/a/a-node-1"},
			{"a-node-2", "cn-hangzhou-i", DefaultKubeletRoot, "/s/nodes/a/a-node-2"},
			{"a-node-3", "cn-hangzhou-j", DefaultKubeletRoot, "/s/nodes/a/a-node-3"},
		}},
		{name: "two zones: round robin starts again at the first", zones: beijing, want: []want{
			{"a-node-1", "cn-beijing-h", DefaultKubeletRoot, "/s/nodes/a/a-node-1"},
			{"a-node-2", "cn-beijing-i", DefaultKubeletRoot, "/s/nodes/a/a-node-2"},
			{"a-node-3", "cn-beijing-h", DefaultKubeletRoot, "/s/nodes/a/a-node-3"},
		}},
		{name: "empty specs: no nodes", zones: hangzhou, specs: []NodeSpec{}, want: []want{}},
		{name: "named zones do not advance the round robin", zones: hangzhou,
			specs: []NodeSpec{{Zone: "cn-hangzhou-j"}, {Name: "custom", KubeletRoot: "/data/kubelet"}, {}},
			want: []want{
				{"a-node-1", "cn-hangzhou-j", DefaultKubeletRoot, "/s/nodes/a/a-node-1"},
				{"custom", "cn-hangzhou-h", "/data/kubelet", "/s/nodes/a/custom"},
				{"a-node-3", "cn-hangzhou-i", DefaultKubeletRoot, "/s/nodes/a/a-node-3"},
			}},
		{name: "zone of another region", zones: hangzhou, specs: []NodeSpec{{Zone: "cn-beijing-h"}},
			err: `zone "cn-beijing-h" is not in region cn-hangzhou`},
		{name: "duplicate name", zones: hangzhou, specs: []NodeSpec{{Name: "x"}, {Name: "x"}}, err: `node "x" appears twice`},
		{name: "invalid name", zones: hangzhou, specs: []NodeSpec{{Name: "Node_1"}}, err: `node "Node_1": invalid name`},
		{name: "relative kubelet root", zones: hangzhou, specs: []NodeSpec{{KubeletRoot: "var/lib/kubelet"}}, err: "not a clean absolute path"},
		{name: "kubelet root escapes", zones: hangzhou, specs: []NodeSpec{{KubeletRoot: "/../etc"}}, err: "not a clean absolute path"},
		{name: "kubelet root is /", zones: hangzhou, specs: []NodeSpec{{KubeletRoot: "/"}}, err: "not a clean absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			region := "cn-hangzhou"
			if tt.zones[0] == "cn-beijing-h" {
				region = "cn-beijing"
			}
			got, err := planNodes("a", region, "/s/nodes/a", tt.zones, tt.specs)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			gotWant := make([]want, 0, len(got))
			for _, n := range got {
				assert.Equal(t, region, n.Region)
				gotWant = append(gotWant, want{n.Name, n.Zone, n.KubeletRoot, n.Dir})
			}
			assert.Equal(t, tt.want, gotWant)
		})
	}
}

func TestRegionZones(t *testing.T) {
	zones, err := regionZones("cn-beijing")
	require.NoError(t, err)
	// The demo's cluster B puts its restored disk in cn-beijing-h: a node must be there.
	assert.Contains(t, zones, "cn-beijing-h")
	zones, err = regionZones("cn-hangzhou")
	require.NoError(t, err)
	assert.Contains(t, zones, "cn-hangzhou-h")

	_, err = regionZones("us-east-1")
	assert.ErrorContains(t, err, `region "us-east-1" is not one the emulator serves`)
}

func TestNodeHostPath(t *testing.T) {
	n := Node{Dir: "/s/nodes/a/a-node-1", KubeletRoot: "/var/lib/kubelet"}
	assert.Equal(t, "/s/nodes/a/a-node-1/var/lib/kubelet/pods", n.HostPath("/var/lib/kubelet/pods"))
	assert.Equal(t, "/s/nodes/a/a-node-1", n.HostPath("/"))
}

func TestNodePathIsHostPathsInverse(t *testing.T) {
	n := Node{Name: "a-node-1", Dir: "/run/nodes/a/a-node-1"}
	for _, p := range []string{"/var/lib/kubelet/pods/uid/volumes/kubernetes.io~csi/pv/mount", "/data/kubelet", "/"} {
		got, err := n.NodePath(n.HostPath(p))
		require.NoError(t, err)
		assert.Equal(t, p, got)
	}
	for _, outside := range []string{"/run/nodes/a/a-node-2/var", "/run/nodes/a", "/tmp"} {
		_, err := n.NodePath(outside)
		assert.ErrorContains(t, err, "is not inside node a-node-1's directory", outside)
	}
}
