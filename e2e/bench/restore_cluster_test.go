package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// newKubeClient is a clientset for bulk work: the harness's own client stays at 100 requests/s.
func newKubeClient(c *harness.Cluster) (kubernetes.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 2000, 4000
	return kubernetes.NewForConfig(cfg)
}

func kubeClient(b *testing.B, c *harness.Cluster) kubernetes.Interface {
	cs, err := newKubeClient(c)
	require.NoError(b, err)
	return cs
}

func poll(ctx context.Context, timeout time.Duration, check func() error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("after %s: %w", timeout, err)
		case <-time.After(time.Second):
		}
	}
}
