package noderegion

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func nodeIn(name, region string) corev1.Node {
	n := corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/os": "linux"}}}
	if region != "" {
		n.Labels[corev1.LabelTopologyRegion] = region
	}
	return n
}

func TestOf(t *testing.T) {
	tests := []struct {
		name    string
		nodes   []corev1.Node
		want    string
		wantErr string
	}{
		{"one node", []corev1.Node{nodeIn("a", "cn-hangzhou")}, "cn-hangzhou", ""},
		{"all agree", []corev1.Node{nodeIn("a", "cn-beijing"), nodeIn("b", "cn-beijing")}, "cn-beijing", ""},
		{"unlabelled nodes have no say", []corev1.Node{nodeIn("a", ""), nodeIn("b", "ap-southeast-1"), nodeIn("c", "")}, "ap-southeast-1", ""},
		{"two regions", []corev1.Node{nodeIn("a", "cn-hangzhou"), nodeIn("b", "cn-hangzhou"), nodeIn("c", "cn-shanghai")}, "",
			"nodes are in two regions: a in cn-hangzhou, c in cn-shanghai"},
		{"no label", []corev1.Node{nodeIn("a", ""), nodeIn("b", "")}, "", "none of the 2 nodes has the label topology.kubernetes.io/region"},
		{"no nodes", nil, "", "none of the 0 nodes has the label topology.kubernetes.io/region"},
		{"not a region", []corev1.Node{nodeIn("a", "Hangzhou 1")}, "", `node a: label topology.kubernetes.io/region="Hangzhou 1" is not a region ID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Of(tt.nodes)
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			assert.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
