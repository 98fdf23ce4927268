// Package v1alpha1 is the csdr.io/v1alpha1 API: the records of volumes backed up and restored file by
// file through Cloud Backup (HBR). A FilesystemBackup or FilesystemRestore is one volume of one Velero
// Backup or Restore, lives in Velero's namespace and is owned by that Backup or Restore. The plugins
// create them and read their status; csdr-controller does the work and writes the status. The CRDs
// in deploy/crds and zz_generated.deepcopy.go are generated from this package by `make generate`.
//
// +groupName=csdr.io
// +kubebuilder:object:generate=true
package v1alpha1
