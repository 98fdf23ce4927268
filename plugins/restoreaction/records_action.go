package restoreaction

import (
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// SkipRecordsName is the name the records' restore item action is registered under.
const SkipRecordsName = "csdr.io/skip-records"

// SkipRecordsAction keeps FilesystemRestores out of every restore: they are in a backup of the velero
// namespace, but a record restored into a cluster running csdr-controller would start a second HBR
// job. FilesystemBackups are VolumeSourceAction's, which reads them for the restore's snapshots and
// skips them itself: Velero runs no further action on an item one action skipped.
type SkipRecordsAction struct{}

// AppliesTo implements RestoreItemAction.
func (SkipRecordsAction) AppliesTo() (velero.ResourceSelector, error) {
	return velero.ResourceSelector{IncludedResources: []string{
		v1alpha1.Resource("filesystemrestores").String(),
	}}, nil
}

// Execute implements RestoreItemAction.
func (SkipRecordsAction) Execute(in *velero.RestoreItemActionExecuteInput) (*velero.RestoreItemActionExecuteOutput, error) {
	return velero.NewRestoreItemActionExecuteOutput(in.Item).WithoutRestore(), nil
}
