package transform

import (
	"time"

	storagev1 "k8s.io/api/storage/v1"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// Provisioners (and CSI drivers) of the Alibaba Cloud storage the storage rules convert to.
const (
	DiskProvisioner = alibaba.DiskCSIDriver
	NASProvisioner  = alibaba.NASCSIDriver
)

// StorageClass is what the storage rules need to know about one StorageClass of the target cluster.
type StorageClass struct {
	Name              string
	Provisioner       string
	VolumeBindingMode string
	Parameters        map[string]string
	// Default says the class is marked as the one a claim that names none gets.
	Default bool
	// Created is when the class was created; the newest default class wins.
	Created time.Time
}

// IsDisk reports whether the class provisions Alibaba Cloud disks.
func (c StorageClass) IsDisk() bool { return c.Provisioner == DiskProvisioner }

// IsNAS reports whether the class provisions Alibaba Cloud NAS file systems.
func (c StorageClass) IsNAS() bool { return c.Provisioner == NASProvisioner }

// bindsImmediately reports whether a claim of this class is provisioned before a pod is scheduled: the
// API server defaults an unset mode to Immediate.
func (c StorageClass) bindsImmediately() bool {
	return c.VolumeBindingMode == "" || c.VolumeBindingMode == string(storagev1.VolumeBindingImmediate)
}

// kindName says what a class provisions, for notes.
func (c StorageClass) kindName() string {
	switch {
	case c.IsDisk():
		return "Alibaba Cloud disk"
	case c.IsNAS():
		return "Alibaba Cloud NAS"
	}
	return "provisioner " + c.Provisioner
}
