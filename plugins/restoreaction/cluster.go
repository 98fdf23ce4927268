package restoreaction

import (
	"context"
	"fmt"
	"slices"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	veleroclient "github.com/vmware-tanzu/velero/pkg/client"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
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

// DefaultPageSize is how many objects one list call returns: a cluster of thousands of Services or
// nodes is read in pages, never in one answer held at once by the API server and the plugin.
const DefaultPageSize = 500

// KubeReader is the Reader over the target cluster's API server, through the plugin binary's shared
// client.
type KubeReader struct {
	Kube *kubeclient.Lazy
	// PageSize bounds each list call; 0 means DefaultPageSize.
	PageSize int64
}

var _ Reader = (*KubeReader)(nil)

// NewKubeReader reads through a client made, on first use, from Velero's client factory.
func NewKubeReader(factory veleroclient.Factory) *KubeReader {
	return &KubeReader{Kube: &kubeclient.Lazy{Factory: factory}}
}

// InProgressRestores implements Reader.
func (r *KubeReader) InProgressRestores(ctx context.Context) ([]velerov1.Restore, error) {
	c, err := r.Kube.Client()
	if err != nil {
		return nil, err
	}
	var out []velerov1.Restore
	list := &velerov1.RestoreList{}
	err = r.eachPage(ctx, c, list, func() {
		for _, rs := range list.Items {
			if rs.Status.Phase == velerov1.RestorePhaseInProgress {
				out = append(out, rs)
			}
		}
	}, kbclient.InNamespace(r.Kube.Namespace()))
	if err != nil {
		return nil, fmt.Errorf("list restores in %s: %w", r.Kube.Namespace(), err)
	}
	return out, nil
}

// GlobalConfig implements Reader. It selects ConfigMaps the way Velero's GetPluginConfig does: the
// velero.io/plugin-config key with any value, and our kind label.
func (r *KubeReader) GlobalConfig(ctx context.Context) (*restoreconfig.Source, error) {
	c, err := r.Kube.Client()
	if err != nil {
		return nil, err
	}
	selector := restoreconfig.GlobalSelector
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, fmt.Errorf("label selector %s: %w", selector, err)
	}
	list := &corev1.ConfigMapList{}
	if err := c.List(ctx, list, kbclient.InNamespace(r.Kube.Namespace()), kbclient.MatchingLabelsSelector{Selector: sel}); err != nil {
		return nil, fmt.Errorf("list configmaps labelled %s in %s: %w", selector, r.Kube.Namespace(), err)
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
	slices.Sort(names)
	return nil, &restoreconfig.Error{ConfigMap: r.Kube.Namespace(), Err: fmt.Errorf(
		"%d configmaps are labelled %s and %s=%s (%v); keep one",
		len(names), restoreconfig.PluginConfigLabel, restoreconfig.GlobalLabel, restoreconfig.GlobalLabelValue, names)}
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
	if out.StorageClasses, err = r.storageClasses(ctx, c); err != nil {
		return out, err
	}
	if out.Nodes, out.Zones, err = r.nodes(ctx, c); err != nil {
		return out, err
	}
	if out.UsedNodePorts, err = r.usedNodePorts(ctx, c); err != nil {
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

// eachPage lists in pages of PageSize, calling visit after each page has been read into list.
func (r *KubeReader) eachPage(ctx context.Context, c kbclient.Client, list kbclient.ObjectList, visit func(), opts ...kbclient.ListOption) error {
	size := r.PageSize
	if size <= 0 {
		size = DefaultPageSize
	}
	next := ""
	for {
		if err := c.List(ctx, list, append(opts, kbclient.Limit(size), kbclient.Continue(next))...); err != nil {
			return err
		}
		visit()
		if next = list.GetContinue(); next == "" {
			return nil
		}
	}
}

func (r *KubeReader) storageClasses(ctx context.Context, c kbclient.Client) (map[string]transform.StorageClass, error) {
	out := map[string]transform.StorageClass{}
	list := &storagev1.StorageClassList{}
	err := r.eachPage(ctx, c, list, func() {
		for _, sc := range list.Items {
			mode := ""
			if sc.VolumeBindingMode != nil {
				mode = string(*sc.VolumeBindingMode)
			}
			out[sc.Name] = transform.StorageClass{Name: sc.Name, Provisioner: sc.Provisioner,
				VolumeBindingMode: mode, Parameters: sc.Parameters, Default: transform.IsDefaultClass(sc.Annotations),
				Created: sc.CreationTimestamp.Time}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("list storageclasses: %w", err)
	}
	return out, nil
}

// nodes returns the names (and hostname labels) of the target's nodes and their distinct zones. Only
// the nodes' metadata is read: a node's status is large and of no use here.
func (r *KubeReader) nodes(ctx context.Context, c kbclient.Client) (names, zones []string, err error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("NodeList"))
	seen := map[string]bool{}
	err = r.eachPage(ctx, c, list, func() {
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
	})
	if err != nil {
		return nil, nil, fmt.Errorf("list nodes: %w", err)
	}
	slices.Sort(zones)
	return names, zones, nil
}

func (r *KubeReader) usedNodePorts(ctx context.Context, c kbclient.Client) (map[int64]string, error) {
	used := map[int64]string{}
	list := &corev1.ServiceList{}
	err := r.eachPage(ctx, c, list, func() {
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
	})
	if err != nil {
		return nil, fmt.Errorf("list services: %w", err)
	}
	return used, nil
}
