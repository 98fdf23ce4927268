package restoreaction

import (
	"context"
	"fmt"
	"sort"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/restoreconfig"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
)

// Reader reads what a restore's pipeline is built from: the restores in progress, the ConfigMaps that
// configure them and facts about the target cluster.
type Reader interface {
	// InProgressRestores lists the restores Velero is running now.
	InProgressRestores(ctx context.Context) ([]velerov1.Restore, error)
	// GlobalConfig is the ConfigMap labelled for every restore, nil when there is none.
	GlobalConfig(ctx context.Context) (*restoreconfig.Source, error)
	// ConfigMap reads a ConfigMap of the Velero namespace by name.
	ConfigMap(ctx context.Context, name string) (*restoreconfig.Source, error)
	// Cluster reads the facts the rules need about the target cluster.
	Cluster(ctx context.Context) (restoreconfig.Cluster, error)
}

// ErrNoConfigMap is returned by Reader.ConfigMap when the ConfigMap does not exist.
var ErrNoConfigMap = fmt.Errorf("configmap not found")

// KubeReader is the Reader over the target cluster's API server, through the plugin binary's shared
// client.
type KubeReader struct {
	Kube *kubeclient.Lazy
}

var _ Reader = (*KubeReader)(nil)

// InProgressRestores implements Reader.
func (r *KubeReader) InProgressRestores(ctx context.Context) ([]velerov1.Restore, error) {
	c, err := r.Kube.Client()
	if err != nil {
		return nil, err
	}
	list := &velerov1.RestoreList{}
	if err := c.List(ctx, list, kbclient.InNamespace(r.Kube.Namespace())); err != nil {
		return nil, fmt.Errorf("list restores in %s: %w", r.Kube.Namespace(), err)
	}
	var out []velerov1.Restore
	for _, rs := range list.Items {
		if rs.Status.Phase == velerov1.RestorePhaseInProgress {
			out = append(out, rs)
		}
	}
	return out, nil
}

// GlobalConfig implements Reader.
func (r *KubeReader) GlobalConfig(ctx context.Context) (*restoreconfig.Source, error) {
	c, err := r.Kube.Client()
	if err != nil {
		return nil, err
	}
	list := &corev1.ConfigMapList{}
	sel := kbclient.MatchingLabels{"velero.io/plugin-config": "", restoreconfig.GlobalLabel: restoreconfig.GlobalLabelValue}
	if err := c.List(ctx, list, kbclient.InNamespace(r.Kube.Namespace()), sel); err != nil {
		return nil, fmt.Errorf("list configmaps labelled %s=%s in %s: %w", restoreconfig.GlobalLabel,
			restoreconfig.GlobalLabelValue, r.Kube.Namespace(), err)
	}
	switch len(list.Items) {
	case 0:
		return nil, nil
	case 1:
		return source(&list.Items[0]), nil
	}
	names := make([]string, 0, len(list.Items))
	for _, cm := range list.Items {
		names = append(names, cm.Name)
	}
	sort.Strings(names)
	return nil, &restoreconfig.Error{ConfigMap: r.Kube.Namespace(), Err: fmt.Errorf(
		"%d configmaps are labelled velero.io/plugin-config and %s=%s (%v); keep one",
		len(names), restoreconfig.GlobalLabel, restoreconfig.GlobalLabelValue, names)}
}

// ConfigMap implements Reader.
func (r *KubeReader) ConfigMap(ctx context.Context, name string) (*restoreconfig.Source, error) {
	c, err := r.Kube.Client()
	if err != nil {
		return nil, err
	}
	cm := &corev1.ConfigMap{}
	key := types.NamespacedName{Namespace: r.Kube.Namespace(), Name: name}
	if err := c.Get(ctx, key, cm); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, ErrNoConfigMap
		}
		return nil, fmt.Errorf("read configmap %s: %w", key, err)
	}
	return source(cm), nil
}

func source(cm *corev1.ConfigMap) *restoreconfig.Source {
	return &restoreconfig.Source{Name: cm.Namespace + "/" + cm.Name, Data: cm.Data}
}

// Cluster implements Reader.
func (r *KubeReader) Cluster(ctx context.Context) (restoreconfig.Cluster, error) {
	var out restoreconfig.Cluster
	c, err := r.Kube.Client()
	if err != nil {
		return out, err
	}
	if out.StorageClasses, err = storageClasses(ctx, c); err != nil {
		return out, err
	}
	if out.Nodes, out.Zones, err = nodes(ctx, c); err != nil {
		return out, err
	}
	if out.UsedNodePorts, err = usedNodePorts(ctx, c); err != nil {
		return out, err
	}
	disco, err := r.Kube.Factory.DiscoveryClient()
	if err != nil {
		return out, fmt.Errorf("discovery client: %w", err)
	}
	groups, err := disco.ServerGroups()
	if err != nil {
		return out, fmt.Errorf("list served API groups: %w", err)
	}
	out.ServedAPIVersions = map[string]bool{}
	for _, g := range groups.Groups {
		for _, v := range g.Versions {
			out.ServedAPIVersions[v.GroupVersion] = true
		}
	}
	return out, nil
}

func storageClasses(ctx context.Context, c kbclient.Client) (map[string]transform.StorageClass, error) {
	list := &storagev1.StorageClassList{}
	if err := c.List(ctx, list); err != nil {
		return nil, fmt.Errorf("list storageclasses: %w", err)
	}
	out := make(map[string]transform.StorageClass, len(list.Items))
	for _, sc := range list.Items {
		mode := ""
		if sc.VolumeBindingMode != nil {
			mode = string(*sc.VolumeBindingMode)
		}
		out[sc.Name] = transform.StorageClass{Name: sc.Name, Provisioner: sc.Provisioner,
			VolumeBindingMode: mode, Parameters: sc.Parameters}
	}
	return out, nil
}

// nodes returns the names (and hostname labels) of the target's nodes and their distinct zones.
func nodes(ctx context.Context, c kbclient.Client) (names, zones []string, err error) {
	list := &corev1.NodeList{}
	if err := c.List(ctx, list); err != nil {
		return nil, nil, fmt.Errorf("list nodes: %w", err)
	}
	seen := map[string]bool{}
	for _, n := range list.Items {
		// Pins name a node by its hostname label, which usually but not always equals its name.
		names = append(names, n.Name)
		if h := n.Labels[corev1.LabelHostname]; h != "" && h != n.Name {
			names = append(names, h)
		}
		for _, l := range alibaba.NodeZoneLabels {
			if z := n.Labels[l]; z != "" {
				if !seen[z] {
					seen[z] = true
					zones = append(zones, z)
				}
				break
			}
		}
	}
	sort.Strings(zones)
	return names, zones, nil
}

func usedNodePorts(ctx context.Context, c kbclient.Client) (map[int64]string, error) {
	list := &corev1.ServiceList{}
	if err := c.List(ctx, list); err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	used := map[int64]string{}
	for _, s := range list.Items {
		owner := s.Namespace + "/" + s.Name
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 {
				used[int64(p.NodePort)] = owner
			}
		}
		if s.Spec.HealthCheckNodePort != 0 {
			used[int64(s.Spec.HealthCheckNodePort)] = owner
		}
	}
	return used, nil
}
