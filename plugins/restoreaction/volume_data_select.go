package restoreaction

import (
	"context"
	"fmt"
	"slices"
	"strings"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/types"
	kbclient "sigs.k8s.io/controller-runtime/pkg/client"

	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

const claims = "persistentvolumeclaims"

// AppliesTo implements riav2.RestoreItemAction: the claims of the namespaces where the restore's
// backup has HBR snapshots, as the restore maps them, and no claim when it has none. Velero calls the
// action for every claim it selects, and a claim not sent through HBR costs a gRPC round trip for
// nothing. The backup's data-locations annotation lists the HBR snapshots; it is complete for a
// Completed backup, whose every HBR job succeeded. For any other backup, an annotation missing (a
// backup made before it existed) or a read that fails, the action applies to every claim, and says
// why: a claim left out would be restored without its files.
func (a *VolumeDataAction) AppliesTo() (velero.ResourceSelector, error) {
	every := velero.ResourceSelector{IncludedResources: []string{claims}}
	namespaces, err := a.filesystemNamespaces(context.Background())
	if err != nil {
		a.log.WithError(err).Info("the action applies to every claim of the restore")
		return every, nil
	}
	if len(namespaces) == 0 {
		a.log.Info("the restore's backup has no HBR snapshot: the action applies to no claim")
		return velero.ResourceSelector{IncludedResources: []string{claims}, ExcludedResources: []string{claims}}, nil
	}
	a.log.WithField("namespaces", strings.Join(namespaces, ",")).Info("the action applies to the claims of the namespaces with HBR snapshots")
	return velero.ResourceSelector{IncludedResources: []string{claims}, IncludedNamespaces: namespaces}, nil
}

// filesystemNamespaces returns the target namespaces of the claims the restore in progress brings back
// from HBR, sorted; an error when they cannot be known.
func (a *VolumeDataAction) filesystemNamespaces(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, readTimeout)
	defer cancel()
	c, err := a.clients.Client()
	if err != nil {
		return nil, err
	}
	restore, err := restoreInProgress(ctx, c, a.clients.Namespace())
	if err != nil {
		return nil, err
	}
	var backup velerov1.Backup
	key := types.NamespacedName{Namespace: restore.Namespace, Name: restore.Spec.BackupName}
	if err := c.Get(ctx, key, &backup); err != nil {
		return nil, fmt.Errorf("read backup %s of restore %s: %w", key, restore.Name, err)
	}
	return namespacesWithHBR(&backup, restore.Spec.NamespaceMapping)
}

// restoreInProgress returns the one restore in progress in namespace.
func restoreInProgress(ctx context.Context, c kbclient.Client, namespace string) (*velerov1.Restore, error) {
	var list velerov1.RestoreList
	if err := c.List(ctx, &list, kbclient.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("list restores in %s: %w", namespace, err)
	}
	var found []*velerov1.Restore
	for i := range list.Items {
		if list.Items[i].Status.Phase == velerov1.RestorePhaseInProgress {
			found = append(found, &list.Items[i])
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("%d restores in progress in %s, not one", len(found), namespace)
	}
	return found[0], nil
}

// namespacesWithHBR reads the backup's data locations: the namespaces of its HBR snapshots' claims,
// mapped as the restore maps them.
func namespacesWithHBR(backup *velerov1.Backup, mapping map[string]string) ([]string, error) {
	if backup.Status.Phase != velerov1.BackupPhaseCompleted {
		return nil, fmt.Errorf("backup %s is %s, not Completed: its data locations may leave out claims sent through HBR",
			backup.Name, backup.Status.Phase)
	}
	raw, ok := backup.Annotations[csdrv1alpha1.DataLocationsAnnotation]
	if !ok {
		return nil, fmt.Errorf("backup %s has no annotation %s", backup.Name, csdrv1alpha1.DataLocationsAnnotation)
	}
	locs, err := datalocation.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", backup.Name, err)
	}
	var out []string
	for _, l := range locs {
		if l.Kind != datalocation.HBRSnapshot {
			continue
		}
		ns, _, ok := strings.Cut(l.Volume, "/")
		if !ok {
			return nil, fmt.Errorf("backup %s: HBR snapshot %s names no claim namespace (%q)", backup.Name, l.ID, l.Volume)
		}
		if to, ok := mapping[ns]; ok {
			ns = to
		}
		out = append(out, ns)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
