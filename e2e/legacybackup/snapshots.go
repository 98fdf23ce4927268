package legacybackup

import (
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// snapshotRecord is one entry of <name>-volumesnapshots.json.gz, Velero's record of a native snapshot.
type snapshotRecord struct {
	Spec   snapshotSpec   `json:"spec"`
	Status snapshotStatus `json:"status"`
}

type snapshotSpec struct {
	BackupName           string `json:"backupName"`
	BackupUID            string `json:"backupUID"`
	Location             string `json:"location"`
	PersistentVolumeName string `json:"persistentVolumeName"`
	ProviderVolumeID     string `json:"providerVolumeID"`
	VolumeType           string `json:"volumeType"`
	VolumeAZ             string `json:"volumeAZ,omitempty"`
}

type snapshotStatus struct {
	ProviderSnapshotID string `json:"providerSnapshotID"`
	Phase              string `json:"phase"`
}

// diskCategories are the disk categories behind ACK's FlexVolume-era storage classes; the Alibaba Cloud
// plugin reported a disk's category as its volume type.
var diskCategories = map[string]string{
	"alicloud-disk-common":     "cloud",
	"alicloud-disk-efficiency": "cloud_efficiency",
	"alicloud-disk-ssd":        "cloud_ssd",
	"alicloud-disk-essd":       "cloud_essd",
}

// zoneLabels are where a 1.16 cluster, and a newer one, kept a PV's zone.
var zoneLabels = []string{"failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/zone"}

// volumeSnapshots records b.Snapshots; nil, which Velero encoded as null, when there are none.
func (b Backup) volumeSnapshots(items []item) ([]*snapshotRecord, error) {
	pvs := map[string]*unstructured.Unstructured{}
	for _, it := range items {
		if it.groupResource == "persistentvolumes" {
			pvs[it.obj.GetName()] = it.obj
		}
	}
	var out []*snapshotRecord
	seen := map[string]bool{}
	for _, s := range b.Snapshots {
		if s.ID == "" {
			return nil, fmt.Errorf("snapshot of PV %q has no ID", s.PV)
		}
		if seen[s.PV] {
			return nil, fmt.Errorf("PV %q has two snapshots", s.PV)
		}
		seen[s.PV] = true
		pv, ok := pvs[s.PV]
		if !ok {
			return nil, fmt.Errorf("snapshot %s names PV %q, which is not among the objects", s.ID, s.PV)
		}
		rec, err := b.snapshotOf(pv, s)
		if err != nil {
			return nil, fmt.Errorf("snapshot %s of PV %s: %w", s.ID, s.PV, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

func (b Backup) snapshotOf(pv *unstructured.Unstructured, s Snapshot) (*snapshotRecord, error) {
	driver, _, _ := unstructured.NestedString(pv.Object, "spec", "flexVolume", "driver")
	if driver != "alicloud/disk" {
		return nil, fmt.Errorf("the PV is not a FlexVolume disk (driver %q): the Alibaba Cloud plugin snapshotted only those", driver)
	}
	volumeID, _, _ := unstructured.NestedString(pv.Object, "spec", "flexVolume", "options", "volumeId")
	if volumeID == "" {
		return nil, fmt.Errorf("the PV's flexVolume options hold no volumeId")
	}
	if s.VolumeType == "" {
		class, _, _ := unstructured.NestedString(pv.Object, "spec", "storageClassName")
		if s.VolumeType = diskCategories[class]; s.VolumeType == "" {
			return nil, fmt.Errorf("no disk category known for storage class %q: set the snapshot's VolumeType", class)
		}
	}
	for _, l := range zoneLabels {
		if s.AZ == "" {
			s.AZ = pv.GetLabels()[l]
		}
	}
	if s.AZ == "" {
		return nil, fmt.Errorf("the PV has no zone label: set the snapshot's AZ")
	}
	return &snapshotRecord{
		Spec: snapshotSpec{BackupName: b.Name, BackupUID: b.uid(), Location: b.SnapshotLocation,
			PersistentVolumeName: pv.GetName(), ProviderVolumeID: volumeID, VolumeType: s.VolumeType, VolumeAZ: s.AZ},
		Status: snapshotStatus{ProviderSnapshotID: s.ID, Phase: "Completed"},
	}, nil
}
