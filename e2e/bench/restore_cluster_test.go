package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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

// caughtUp waits until the controller manager has finished with the objects a restore made in ns: a
// ReplicaSet for every Deployment, and every Deployment and ReplicaSet observed. Until then its status
// updates, paced at 20 requests/s, would run during the next restore.
func caughtUp(ctx context.Context, cs kubernetes.Interface, ns string) error {
	return poll(ctx, 5*time.Minute, func() error {
		deps, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		rss, err := cs.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		behind := 0
		for _, d := range deps.Items {
			if d.Status.ObservedGeneration < d.Generation {
				behind++
			}
		}
		for _, r := range rss.Items {
			if r.Status.ObservedGeneration < r.Generation {
				behind++
			}
		}
		if len(rss.Items) < len(deps.Items) || behind > 0 {
			return fmt.Errorf("in %s, %d ReplicaSets for %d Deployments, %d not observed yet", ns, len(rss.Items),
				len(deps.Items), behind)
		}
		return nil
	})
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
