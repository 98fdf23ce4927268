package backupaction

import (
	"context"
	"fmt"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
)

// KubeCRDs lists CRDs through the plugin binary's shared client.
type KubeCRDs struct {
	Kube *kubeclient.Lazy
}

var _ CRDLister = (*KubeCRDs)(nil)

// CRDs implements CRDLister.
func (k *KubeCRDs) CRDs(ctx context.Context) ([]CRD, error) {
	c, err := k.Kube.Client()
	if err != nil {
		return nil, err
	}
	list := &apiextv1.CustomResourceDefinitionList{}
	if err := c.List(ctx, list); err != nil {
		return nil, fmt.Errorf("list customresourcedefinitions: %w", err)
	}
	out := make([]CRD, 0, len(list.Items))
	for _, c := range list.Items {
		out = append(out, CRD{Name: c.Name, Group: c.Spec.Group, Kind: c.Spec.Names.Kind})
	}
	return out, nil
}
