package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	ecscloud "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
)

// errNoCloud is why disk volumes wait in a session that started no emulator.
var errNoCloud = errors.New("the session has no cloud (Session.StartCloud): disk volumes need the emulator's ECS")

// provisionClaims provisions a PV for every pending claim of a class whose provisioner the layer
// serves: at once for Immediate classes, once the scheduler picked a node for WaitForFirstConsumer.
func (l *csiLayer) provisionClaims(ctx context.Context) {
	claims, err := l.claims.List(labels.Everything())
	if err != nil {
		l.fail("claims", err)
		return
	}
	pvs, err := l.volumes.List(labels.Everything())
	if err != nil {
		l.fail("volumes", err)
		return
	}
	named := map[types.UID]bool{} // claims some PV is already for
	for _, pv := range pvs {
		if pv.Spec.ClaimRef != nil {
			named[pv.Spec.ClaimRef.UID] = true
		}
	}
	alive := map[string]bool{}
	for _, pvc := range claims {
		alive[string(pvc.UID)] = true
		if pvc.Spec.VolumeName != "" || pvc.DeletionTimestamp != nil || named[pvc.UID] || l.created[l.claimPV[string(pvc.UID)]] {
			continue
		}
		// As the CSI external-provisioner: a claim with a selector waits for a matching volume, never
		// a new one ("claim Selector is not supported"). Restores hold claims that way until their
		// data is in.
		if pvc.Spec.Selector != nil {
			continue
		}
		class, d, ok := l.classOf(pvc)
		if !ok {
			continue
		}
		zone, ready, err := l.claimZone(pvc, class, d)
		if err == nil && ready {
			err = l.provision(ctx, pvc, class, d, zone)
		}
		if err != nil {
			l.event(ctx, claimSubject(pvc), corev1.EventTypeWarning, "ProvisioningFailed",
				fmt.Sprintf("failed to provision volume with StorageClass %q: %v", class.Name, err))
		}
	}
	for uid := range l.claimPV {
		if !alive[uid] {
			delete(l.claimPV, uid)
		}
	}
}

// classOf returns the claim's class and driver when the layer provisions for it.
func (l *csiLayer) classOf(pvc *corev1.PersistentVolumeClaim) (*storagev1.StorageClass, CSIDriver, bool) {
	if pvc.Spec.StorageClassName == nil || *pvc.Spec.StorageClassName == "" {
		return nil, CSIDriver{}, false
	}
	class, err := l.classes.Get(*pvc.Spec.StorageClassName)
	if err != nil {
		return nil, CSIDriver{}, false
	}
	d, ok := l.drivers[class.Provisioner]
	return class, d, ok
}

// claimZone is the zone to provision in: the selected node's for WaitForFirstConsumer (ready is false
// until the scheduler selected one), else the class's allowed topology or the first node's zone.
func (l *csiLayer) claimZone(pvc *corev1.PersistentVolumeClaim, class *storagev1.StorageClass, d CSIDriver) (zone string, ready bool, err error) {
	if class.VolumeBindingMode != nil && *class.VolumeBindingMode == storagev1.VolumeBindingWaitForFirstConsumer {
		selected := pvc.Annotations[annSelectedNode]
		if selected == "" {
			return "", false, nil
		}
		n, ok := l.c.Node(selected)
		if !ok {
			return "", false, fmt.Errorf("selected node %q is not a node of cluster %s", selected, l.c.Name)
		}
		return n.Zone, true, nil
	}
	if d.Kind == CSIShared {
		return "", true, nil
	}
	for _, term := range class.AllowedTopologies {
		for _, e := range term.MatchLabelExpressions {
			if (e.Key == d.TopologyKey || e.Key == corev1.LabelTopologyZone) && len(e.Values) > 0 {
				return e.Values[0], true, nil
			}
		}
	}
	nodes := l.c.Nodes()
	if len(nodes) == 0 {
		return "", false, fmt.Errorf("cluster %s has no node, so no zone for a %v volume", l.c.Name, d.Kind)
	}
	return nodes[0].Zone, true, nil
}

// provision makes the claim's volume and its PV. Retries reuse what an earlier attempt made: the
// disk through its ClientToken, a directory's name through claimPV.
func (l *csiLayer) provision(ctx context.Context, pvc *corev1.PersistentVolumeClaim, class *storagev1.StorageClass, d CSIDriver, zone string) error {
	request := pvc.Spec.Resources.Requests[corev1.ResourceStorage]
	var pv *corev1.PersistentVolume
	if d.Kind == CSIDisk {
		category, pl, gib, err := diskParams(class, request)
		if err != nil {
			return err
		}
		id, err := l.createDisk(ctx, pvc, class, zone, category, pl, gib)
		if err != nil {
			return err
		}
		pv = provisionedPV(pvc, class, d, id, id, *resource.NewQuantity(int64(gib)<<30, resource.BinarySI), l.c.Region(), zone,
			map[string]string{"type": category})
	} else {
		name := l.claimPV[string(pvc.UID)]
		if name == "" {
			name = "pvc-" + string(pvc.UID)
			if d.Name == alibaba.NASCSIDriver {
				name = "nas-" + string(uuid.NewUUID()) // as ACK's NAS provisioner names its volumes
			}
		}
		dir, err := below(filepath.Join(l.c.session.Dir, "storage"), d.Name, name)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create volume directory: %w", err)
		}
		pv = provisionedPV(pvc, class, d, name, name, request, l.c.Region(), zone, nil)
	}
	l.claimPV[string(pvc.UID)] = pv.Name
	if _, err := l.kube.CoreV1().PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("create PV %s: %w", pv.Name, err)
	}
	l.created[pv.Name] = true
	l.event(ctx, claimSubject(pvc), corev1.EventTypeNormal, "ProvisioningSucceeded",
		fmt.Sprintf("Successfully provisioned volume %s (%s) in zone %q", pv.Name, d.Name, zone))
	return nil
}

// createDisk creates the claim's disk through the emulator's ECS API; the claim's UID as ClientToken
// makes a retry get the same disk.
func (l *csiLayer) createDisk(ctx context.Context, pvc *corev1.PersistentVolumeClaim, class *storagev1.StorageClass,
	zone, category, pl string, gib int32) (string, error) {
	client, err := l.ecs()
	if err != nil {
		return "", err
	}
	id, err := client.CreateDisk(ctx, ecscloud.DiskOptions{Region: l.c.Region(), Zone: zone, Category: category,
		PerformanceLevel: pl, SizeGiB: int(gib), Encrypted: class.Parameters["encrypted"] == "true",
		Name: "pvc-" + string(pvc.UID), ClientToken: string(pvc.UID),
		Tags: map[string]string{"kubernetes.io/created-for/pvc/namespace": pvc.Namespace, "kubernetes.io/created-for/pvc/name": pvc.Name}})
	if err != nil {
		return "", fmt.Errorf("create %s disk of %d GiB in %s: %w", category, gib, zone, err)
	}
	l.log.WithFields(map[string]any{"disk_id": id, "zone": zone, "claim": pvc.Namespace + "/" + pvc.Name}).Info("disk created")
	return id, nil
}

// ecs is a client of the session's emulated ECS.
func (l *csiLayer) ecs() (ecscloud.Client, error) {
	cl := l.c.session.Cloud()
	if cl == nil {
		return nil, errNoCloud
	}
	return cl.ECSClient()
}

// reclaimVolumes deletes the volumes this layer provisioned once their claim is gone and their policy
// is Delete: first the bytes (the disk, or the directory), then the PV.
func (l *csiLayer) reclaimVolumes(ctx context.Context) {
	for name := range l.created {
		pv, err := l.volumes.Get(name)
		switch {
		case apierrors.IsNotFound(err):
			continue // not seen yet, or deleted by someone else: its bytes stay, as a real provisioner's would
		case err != nil:
			l.fail("pv/"+name, err)
			continue
		}
		if pv.Status.Phase != corev1.VolumeReleased || pv.Spec.PersistentVolumeReclaimPolicy != corev1.PersistentVolumeReclaimDelete {
			continue
		}
		if err := l.deleteVolume(ctx, pv); err != nil {
			l.fail("pv/"+name, err)
			continue
		}
		uid := pv.UID
		err = l.kube.CoreV1().PersistentVolumes().Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			l.fail("pv/"+name, fmt.Errorf("delete PV %s: %w", name, err))
			continue
		}
		delete(l.created, name)
		l.log.WithField("pv", name).Info("released volume deleted")
	}
}

func (l *csiLayer) deleteVolume(ctx context.Context, pv *corev1.PersistentVolume) error {
	d := l.drivers[pv.Spec.CSI.Driver]
	if d.Kind != CSIDisk {
		dir, err := below(filepath.Join(l.c.session.Dir, "storage"), d.Name, pv.Spec.CSI.VolumeHandle)
		if err != nil {
			return err
		}
		return os.RemoveAll(dir)
	}
	id := pv.Spec.CSI.VolumeHandle
	if a, ok := l.attached[id]; ok {
		return fmt.Errorf("disk %s is still attached to %s", id, a.node) // the volume manager detaches it first
	}
	client, err := l.ecs()
	if err != nil {
		return err
	}
	region := pv.Labels[corev1.LabelTopologyRegion]
	if region == "" {
		region = l.c.Region()
	}
	if err := client.DeleteDisk(ctx, region, id); err != nil && !errors.Is(err, cloud.ErrNotFound) {
		return fmt.Errorf("delete disk %s: %w", id, err)
	}
	return nil
}
