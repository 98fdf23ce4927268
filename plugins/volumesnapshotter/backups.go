package volumesnapshotter

import (
	"context"
	"fmt"
	"sync"
	"time"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	veleroclient "github.com/vmware-tanzu/velero/pkg/client"
	"k8s.io/apimachinery/pkg/types"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"
)

// VeleroBackups reads Backup objects with a client made on first use from Velero's client factory.
// velero server starts its plugins with its own flags (--kubeconfig, --namespace) and environment
// (VELERO_NAMESPACE, in-cluster credentials); by the first call the factory has parsed them.
type VeleroBackups struct {
	Factory veleroclient.Factory

	once   sync.Once
	client kbclient.Client
	err    error
}

// Expiration is the backup's status.expiration: when Velero's garbage collection deletes it.
func (b *VeleroBackups) Expiration(ctx context.Context, name string) (time.Time, error) {
	b.once.Do(func() { b.client, b.err = b.Factory.KubebuilderClient() })
	if b.err != nil {
		return time.Time{}, fmt.Errorf("kubernetes client: %w", b.err)
	}
	backup := &velerov1.Backup{}
	key := types.NamespacedName{Namespace: b.Factory.Namespace(), Name: name}
	if err := b.client.Get(ctx, key, backup); err != nil {
		return time.Time{}, fmt.Errorf("read backup %s: %w", key, err)
	}
	if backup.Status.Expiration == nil {
		return time.Time{}, fmt.Errorf("backup %s has no expiration yet", key)
	}
	return backup.Status.Expiration.Time, nil
}
