package demo

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// Cluster A runs in cn-hangzhou, cluster B in cn-beijing: the database's disk moves across regions.
const (
	regionA, zoneA = "cn-hangzhou", "cn-hangzhou-h"
	regionB, zoneB = "cn-beijing", "cn-beijing-h"
	dbClaim        = "data-db-0"
)

// dbVolume is what ACK's disk CSI driver would have provisioned for the StatefulSet's claim: a PV named
// after its disk, in the disk's zone. The harness has no CSI driver, so the demo plays its part.
const dbVolume = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: %[1]s
  labels: {topology.kubernetes.io/zone: %[2]s, topology.kubernetes.io/region: %[3]s}
spec:
  capacity: {storage: 20Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: alicloud-disk-topology-alltype
  csi: {driver: diskplugin.csi.alibabacloud.com, volumeHandle: %[1]s, fsType: ext4}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions:
        - {key: topology.diskplugin.csi.alibabacloud.com/zone, operator: In, values: [%[2]s]}
  claimRef: {namespace: shop, name: data-db-0}
`

// provisionDisk creates the database's disk in the emulated ECS and its PV, and waits for the claim.
func (d *demo) provisionDisk(ctx context.Context) error {
	disk, err := d.cloud.AddDisk(ctx, ecs.DiskSpec{Region: regionA, Zone: zoneA, Category: "cloud_essd",
		PerformanceLevel: "PL1", SizeGiB: 20, Status: "In_use"})
	if err != nil {
		return err
	}
	d.result.sourceDisk = disk
	fmt.Fprintf(d.out, "    the CSI driver's part: disk %s (%s, %s %s, %d GiB) and its PV for claim %s\n",
		disk.ID, disk.Zone, disk.Category, disk.PerformanceLevel, disk.SizeGiB, dbClaim)
	if _, err := d.a.Kubectl(ctx, strings.NewReader(fmt.Sprintf(dbVolume, disk.ID, zoneA, regionA)), "apply", "-f", "-"); err != nil {
		return err
	}
	return d.kubectl(ctx, d.a, "-n", appNS, "wait", "--for=jsonpath={.status.phase}=Bound", "--timeout=60s", "pvc/"+dbClaim)
}

// createSnapshotLocation is where the cluster's disk snapshots go: ECS in the cluster's region.
func (d *demo) createSnapshotLocation(ctx context.Context, c *harness.Cluster, region, zone string) error {
	return d.velero(ctx, c, "snapshot-location", "create", "default", "--provider", "alibabacloud",
		"--config", "region="+region+",zone="+zone+",endpoint="+d.cloud.Endpoint, "--credential", credsSecret+"=cloud")
}

// checkDisk follows the claim in cluster B to its disk: a new one, in cluster B's region and in the
// zone its PV now names, with the source disk's category and level.
func (d *demo) checkDisk(ctx context.Context) error {
	pvc := &corev1.PersistentVolumeClaim{}
	if err := d.b.Client.Get(ctx, types.NamespacedName{Namespace: appNS, Name: dbClaim}, pvc); err != nil {
		return err
	}
	pv := &corev1.PersistentVolume{}
	if err := d.b.Client.Get(ctx, types.NamespacedName{Name: pvc.Spec.VolumeName}, pv); err != nil {
		return err
	}
	if pv.Spec.CSI == nil {
		return fmt.Errorf("restored PV %s has no CSI source", pv.Name)
	}
	state, err := d.cloud.ECS(ctx)
	if err != nil {
		return err
	}
	src := d.result.sourceDisk
	for _, disk := range state.Disks {
		if disk.ID != pv.Spec.CSI.VolumeHandle {
			continue
		}
		zones := pv.Spec.NodeAffinity.Required.NodeSelectorTerms[0].MatchExpressions[0].Values
		switch {
		case disk.ID == src.ID || disk.Region != regionB:
			return fmt.Errorf("claim %s in cluster B uses disk %s in %s, not a new disk in %s", dbClaim, disk.ID, disk.Region, regionB)
		case disk.Category != src.Category || disk.PerformanceLevel != src.PerformanceLevel:
			return fmt.Errorf("disk %s is %s %s, the source was %s %s", disk.ID, disk.Category, disk.PerformanceLevel, src.Category, src.PerformanceLevel)
		case len(zones) != 1 || zones[0] != disk.Zone:
			return fmt.Errorf("PV %s asks for zone %v, its disk is in %s", pv.Name, zones, disk.Zone)
		}
		d.result.restoredDisk = disk
		fmt.Fprintf(d.out, "    ok  %-28s %s -> disk %s (%s, %s %s, %d GiB), PV %s pinned to %s\n", "PersistentVolumeClaim",
			dbClaim, disk.ID, disk.Zone, disk.Category, disk.PerformanceLevel, disk.SizeGiB, pv.Name, zones[0])
		return nil
	}
	return fmt.Errorf("restored PV %s points at disk %s, which the emulated ECS does not have", pv.Name, pv.Spec.CSI.VolumeHandle)
}
