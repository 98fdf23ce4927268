package harness

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// The layer watches through informers and serves what it sees; when its cluster's API server exits,
// or the session closes, none of its goroutines is left.
func TestCSILayerRunsAndLeavesNoGoroutine(t *testing.T) {
	for _, tt := range []struct {
		name string
		stop func(t *testing.T, w *layerWorld, apiExited chan struct{})
	}{
		{"the API server exits", func(_ *testing.T, _ *layerWorld, apiExited chan struct{}) { close(apiExited) }},
		{"the session closes", func(t *testing.T, w *layerWorld, _ chan struct{}) {
			w.session.Layout = Layout{Repo: t.TempDir()} // Close prunes old sessions there
			require.NoError(t, w.session.Close(false), "runs the layer's Stop; there are no processes")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			runLayer(t, tt.stop)
		})
	}
}

func runLayer(t *testing.T, stop func(t *testing.T, w *layerWorld, apiExited chan struct{})) {
	w := newLayerWorld(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, n := range w.l.c.Nodes() {
		_, err := w.kube.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.Name}}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	apiExited := make(chan struct{})
	require.NoError(t, w.l.begin(ctx, apiExited))
	for _, n := range w.l.c.Nodes() {
		node, err := w.kube.CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, n.Zone, node.Labels["topology.ebs.csi.aws.com/zone"], "zonal drivers label the nodes")
		assert.Equal(t, n.Zone, node.Labels[alibaba.DiskZoneKey])
	}

	sc := class("nas", alibaba.NASCSIDriver, storagev1.VolumeBindingImmediate, nil)
	_, err := w.kube.StorageV1().StorageClasses().Create(ctx, sc, metav1.CreateOptions{})
	require.NoError(t, err)
	_, err = w.kube.CoreV1().PersistentVolumeClaims("app").Create(ctx, claim("files", "nas", "1Gi"), metav1.CreateOptions{})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(w.createdPVs()) == 1 }, 30*time.Second, 50*time.Millisecond,
		"the loop provisions the claim it watched arrive")

	assert.Same(t, w.l, w.l.c.csi)
	stop(t, w, apiExited)
}
