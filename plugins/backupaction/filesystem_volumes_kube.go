package backupaction

import (
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/discovery"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
)

// The plugin binary's shared client serves the action.
var _ Kube = (*kubeclient.Lazy)(nil)

// askServed asks the cluster whether it serves FilesystemBackups: csdr-controller installs their CRD.
func (a *FilesystemVolumesAction) askServed() (bool, error) {
	d, err := a.kube.Discovery()
	if err != nil {
		return false, err
	}
	return servesResource(d, v1alpha1.GroupVersion.String(), recordResource.Resource)
}

// servesResource reports whether the API server lists resource in groupVersion.
func servesResource(d discovery.ServerResourcesInterface, groupVersion, resource string) (bool, error) {
	list, err := d.ServerResourcesForGroupVersion(groupVersion)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("discover resources of %s: %w", groupVersion, err)
	}
	return slices.ContainsFunc(list.APIResources, func(r metav1.APIResource) bool { return r.Name == resource }), nil
}
