// Package kubeclient gives every plugin kind in the binary one Kubernetes client, made on first use
// from Velero's client factory: velero server starts its plugins with its own flags (--kubeconfig,
// --namespace) and environment, which the factory has parsed by the first call, not at start-up.
package kubeclient

import (
	"fmt"
	"sync"

	veleroclient "github.com/vmware-tanzu/velero/pkg/client"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"
)

// Lazy is the shared client. Its zero value is not usable: set Factory.
type Lazy struct {
	Factory veleroclient.Factory

	once   sync.Once
	client kbclient.Client
	err    error
}

// Client returns the client, made on the first call; a failure is kept and returned to every caller.
func (l *Lazy) Client() (kbclient.Client, error) {
	l.once.Do(func() { l.client, l.err = l.Factory.KubebuilderClient() })
	if l.err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", l.err)
	}
	return l.client, nil
}

// Namespace is Velero's namespace.
func (l *Lazy) Namespace() string { return l.Factory.Namespace() }
