//go:build !csdr_noactions

package main

import (
	"github.com/sirupsen/logrus"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/restoreaction"
)

// registerRestoreVolumeData adds the actions that restore claims' files from HBR, through the binary's
// shared client (which knows the csdr.io kinds): the v2 one on claims, which records each restore, and
// the one on FilesystemBackups, which completes the record from the backup's.
func registerRestoreVolumeData(s framework.Server, kube *kubeclient.Lazy) framework.Server {
	return s.RegisterRestoreItemActionV2(restoreaction.VolumeDataActionName, func(log logrus.FieldLogger) (any, error) {
		return restoreaction.NewVolumeDataAction(kube, log), nil
	}).
		RegisterRestoreItemAction(restoreaction.VolumeSourceActionName, func(log logrus.FieldLogger) (any, error) {
			return restoreaction.NewVolumeSourceAction(kube, log), nil
		})
}
