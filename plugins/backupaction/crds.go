package backupaction

import (
	"context"
	"fmt"
	"sync"

	veleroclient "github.com/vmware-tanzu/velero/pkg/client"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"
)

// KubeCRDs lists CRDs through Velero's client factory, with the client made on first use (velero
// server hands its plugins --kubeconfig and --namespace).
type KubeCRDs struct {
	Factory veleroclient.Factory

	once   sync.Once
	client kbclient.Client
	err    error
}

var _ CRDLister = (*KubeCRDs)(nil)

// CRDs implements CRDLister.
func (k *KubeCRDs) CRDs(ctx context.Context) ([]CRD, error) {
	k.once.Do(func() { k.client, k.err = k.Factory.KubebuilderClient() })
	if k.err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", k.err)
	}
	list := &apiextv1.CustomResourceDefinitionList{}
	if err := k.client.List(ctx, list); err != nil {
		return nil, fmt.Errorf("list customresourcedefinitions: %w", err)
	}
	out := make([]CRD, 0, len(list.Items))
	for _, c := range list.Items {
		out = append(out, CRD{Name: c.Name, Group: c.Spec.Group, Kind: c.Spec.Names.Kind})
	}
	return out, nil
}
