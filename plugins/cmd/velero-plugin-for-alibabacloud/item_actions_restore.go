//go:build !csdr_noactions

package main

import (
	"github.com/sirupsen/logrus"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/restoreaction"
)

// registerRestoreVolumeData adds the v2 action that restores claims' files from HBR. Its client knows
// the csdr.io kinds; it is made once per process, on first use.
func registerRestoreVolumeData(s framework.Server, kube *kubeclient.Lazy) framework.Server {
	records := &restoreaction.RecordsClient{Kube: kube}
	return s.RegisterRestoreItemActionV2(restoreaction.VolumeDataActionName, func(log logrus.FieldLogger) (any, error) {
		return restoreaction.NewVolumeDataAction(records, log), nil
	})
}
