package volumesnapshotter

import (
	"context"
	"fmt"
	"time"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
)

// VeleroBackups reads Backup objects through the plugin binary's shared client.
type VeleroBackups struct {
	Kube *kubeclient.Lazy
}

// Expiration is the backup's status.expiration: when Velero's garbage collection deletes it.
func (b *VeleroBackups) Expiration(ctx context.Context, name string) (time.Time, error) {
	c, err := b.Kube.Client()
	if err != nil {
		return time.Time{}, err
	}
	backup := &velerov1.Backup{}
	key := types.NamespacedName{Namespace: b.Kube.Namespace(), Name: name}
	if err := c.Get(ctx, key, backup); err != nil {
		return time.Time{}, fmt.Errorf("read backup %s: %w", key, err)
	}
	if backup.Status.Expiration == nil {
		return time.Time{}, fmt.Errorf("backup %s has no expiration yet", key)
	}
	return backup.Status.Expiration.Time, nil
}
