package restoreaction

import (
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// SkipRecordsName is the name the records' restore item action is registered under.
const SkipRecordsName = "csdr.io/skip-records"

// SkipRecordsAction keeps FilesystemBackups and FilesystemRestores out of every restore: they are in
// a backup so that deleting it finds them, but a record restored into a cluster running
// csdr-controller would start a second HBR job. A restore reads the snapshot from the claim's
// annotation instead.
type SkipRecordsAction struct{}

// AppliesTo implements RestoreItemAction.
func (SkipRecordsAction) AppliesTo() (velero.ResourceSelector, error) {
	return velero.ResourceSelector{IncludedResources: []string{
		v1alpha1.Resource("filesystembackups").String(),
		v1alpha1.Resource("filesystemrestores").String(),
	}}, nil
}

// Execute implements RestoreItemAction.
func (SkipRecordsAction) Execute(in *velero.RestoreItemActionExecuteInput) (*velero.RestoreItemActionExecuteOutput, error) {
	return velero.NewRestoreItemActionExecuteOutput(in.Item).WithoutRestore(), nil
}
