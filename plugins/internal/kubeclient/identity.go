package kubeclient

import (
	"context"
	"sync"

	kbclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/clusteridentity"
)

// Identity is this cluster's identity (pkg/clusteridentity: the UID of kube-system, or
// CSDR_CLUSTER_IDENTITY), resolved once per process for every plugin kind of the binary.
func (l *Lazy) Identity(ctx context.Context) (string, error) {
	return l.identity.get(ctx, l.Client)
}

// identityCache keeps only an answer: a failure (the API server unreachable) is asked again by the
// next caller, who must meanwhile act as if the identity were unknown.
type identityCache struct {
	mu sync.Mutex
	id string
}

func (c *identityCache) get(ctx context.Context, client func() (kbclient.Client, error)) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.id != "" {
		return c.id, nil
	}
	kube, err := client()
	if err != nil {
		return "", err
	}
	id, err := clusteridentity.FromEnvironment(ctx, kube)
	if err != nil {
		return "", err
	}
	c.id = id
	return id, nil
}
