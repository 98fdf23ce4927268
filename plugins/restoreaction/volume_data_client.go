package restoreaction

import (
	"fmt"
	"sync"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
)

// RecordsClient is a client that knows our record kinds, made on first use from the binary's shared
// client configuration: Velero's factory builds its clients with Velero's scheme only.
type RecordsClient struct {
	Kube *kubeclient.Lazy

	once   sync.Once
	client kbclient.Client
	err    error
}

// Client returns the client; a failure is kept and returned to every caller.
func (r *RecordsClient) Client() (kbclient.Client, error) {
	r.once.Do(func() {
		scheme := runtime.NewScheme()
		for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, velerov1.AddToScheme, csdrv1alpha1.AddToScheme} {
			if r.err = add(scheme); r.err != nil {
				return
			}
		}
		cfg, err := r.Kube.Factory.ClientConfig()
		if err != nil {
			r.err = fmt.Errorf("kubernetes client config: %w", err)
			return
		}
		r.client, r.err = kbclient.New(cfg, kbclient.Options{Scheme: scheme})
	})
	if r.err != nil {
		return nil, fmt.Errorf("kubernetes client for csdr.io records: %w", r.err)
	}
	return r.client, nil
}
