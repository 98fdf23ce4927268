//go:build e2e

package suite

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/demo"
)

// Everything the harness started listens on loopback only: etcd, the API servers, Velero's metrics,
// csdr-controller's metrics and probes, and the emulator; kube-scheduler, kube-controller-manager and
// kwok listen nowhere. The check reads the kernel's socket tables, so it sees wildcard binds too.
func TestListenersAreLoopbackOnly(t *testing.T) {
	ls, err := env.session.Listeners()
	require.NoError(t, err)
	seen := map[string]int{}
	for _, l := range ls {
		seen[l.Comm]++
		t.Log(l)
	}
	// comm is cut to 15 characters by the kernel.
	assert.Equal(t, 4, seen["etcd"], "client and peer ports of two clusters")
	assert.Equal(t, 2, seen["kube-apiserver"])
	assert.Equal(t, 2, seen["velero"], "the metrics port of each velero server")
	assert.Equal(t, 1, seen["alibabacloud-em"])
	assert.Equal(t, 4, seen["csdr-controller"], "metrics and probes of each cluster's csdr-controller")
	for _, quiet := range []string{"kube-scheduler", "kube-controller", "kwok"} {
		assert.Zero(t, seen[quiet], quiet)
	}
}

// The demo is the product's main job; running it here keeps `make demo` from rotting. It starts an
// emulator and two clusters of its own, and stops them.
func TestDemo(t *testing.T) {
	parallel(t)
	var out bytes.Buffer
	err := demo.Run(ctx(t), env.layout, &out)
	if err != nil {
		t.Log(out.String())
	}
	require.NoError(t, err)
	assert.Contains(t, out.String(), "DEMO OK")
	assert.Contains(t, out.String(), "identical after the move: Namespace shop")
	assert.Contains(t, out.String(), "copied to cn-beijing", "the database's disk moved regions")
}
