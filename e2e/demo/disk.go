package demo

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// Cluster A runs in cn-hangzhou, cluster B in cn-beijing: the database's disk moves across regions.
const (
	regionA, zoneA = "cn-hangzhou", "cn-hangzhou-h"
	regionB, zoneB = "cn-beijing", "cn-beijing-h"
	dbPod, dbClaim = "db-0", "data-db-0"
	dbVolume       = "data" // the StatefulSet's volume claim template
)

// createSnapshotLocation is where the cluster's disk snapshots go: ECS in the cluster's region.
func (d *demo) createSnapshotLocation(ctx context.Context, c *harness.Cluster, region, zone string) error {
	return d.velero(ctx, c, "snapshot-location", "create", "default", "--provider", "alibabacloud",
		"--config", "region="+region+",zone="+zone+",endpoint="+d.cloud.Endpoint, "--credential", credsSecret+"=cloud")
}

// claimedDisk follows a claim to its PV and the emulated ECS disk behind it.
func (d *demo) claimedDisk(ctx context.Context, c *harness.Cluster) (*corev1.PersistentVolume, ecs.DiskState, error) {
	pvc := &corev1.PersistentVolumeClaim{}
	if err := c.Client.Get(ctx, types.NamespacedName{Namespace: appNS, Name: dbClaim}, pvc); err != nil {
		return nil, ecs.DiskState{}, err
	}
	pv := &corev1.PersistentVolume{}
	if err := c.Client.Get(ctx, types.NamespacedName{Name: pvc.Spec.VolumeName}, pv); err != nil {
		return nil, ecs.DiskState{}, fmt.Errorf("claim %s in cluster %s: %w", dbClaim, c.Name, err)
	}
	if pv.Spec.CSI == nil {
		return nil, ecs.DiskState{}, fmt.Errorf("PV %s in cluster %s has no CSI source", pv.Name, c.Name)
	}
	disk, err := d.cloud.Disk(ctx, pv.Spec.CSI.VolumeHandle)
	if err != nil {
		return nil, ecs.DiskState{}, fmt.Errorf("PV %s in cluster %s points at disk %s: %w", pv.Name, c.Name, pv.Spec.CSI.VolumeHandle, err)
	}
	return pv, disk.DiskState, nil
}

// checkDisk follows the claim in cluster B to its disk: a new one, in cluster B's region and in the
// zone its PV now names, with the source disk's category and level.
func (d *demo) checkDisk(ctx context.Context) error {
	pv, disk, err := d.claimedDisk(ctx, d.b)
	if err != nil {
		return err
	}
	src := d.result.sourceDisk
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
