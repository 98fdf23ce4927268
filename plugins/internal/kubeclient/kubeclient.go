// Package kubeclient gives every plugin kind in the binary one Kubernetes client, made on first use
// from Velero's client factory: velero server starts its plugins with its own flags (--kubeconfig,
// --namespace) and environment, which the factory has parsed by the first call, not at start-up.
package kubeclient

import (
	"fmt"
	"sync"

	veleroclient "github.com/vmware-tanzu/velero/pkg/client"
	"k8s.io/client-go/discovery"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// Lazy is the shared client. Its zero value is not usable: set Factory.
type Lazy struct {
	Factory veleroclient.Factory

	once   sync.Once
	client kbclient.Client
	err    error

	discoveryOnce sync.Once
	discovery     discovery.DiscoveryInterface
	discoveryErr  error

	identity identityCache
}

// Client returns the client, made on the first call; a failure is kept and returned to every caller.
// Its scheme is Velero's plus our records' (csdr.io): the factory makes a new scheme for each client,
// so adding to it touches no one else's.
func (l *Lazy) Client() (kbclient.Client, error) {
	l.once.Do(func() {
		l.client, l.err = l.Factory.KubebuilderClient()
		if l.err == nil {
			l.err = v1alpha1.AddToScheme(l.client.Scheme())
		}
	})
	if l.err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", l.err)
	}
	return l.client, nil
}

// Discovery returns a discovery client, made on the first call like Client.
func (l *Lazy) Discovery() (discovery.DiscoveryInterface, error) {
	l.discoveryOnce.Do(func() { l.discovery, l.discoveryErr = l.Factory.DiscoveryClient() })
	if l.discoveryErr != nil {
		return nil, fmt.Errorf("kubernetes discovery client: %w", l.discoveryErr)
	}
	return l.discovery, nil
}

// Namespace is Velero's namespace.
func (l *Lazy) Namespace() string { return l.Factory.Namespace() }
