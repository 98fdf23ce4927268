//go:build csdr_noactions

package main

import (
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"
)

// registerItemActions registers nothing: this build serves `make bench` as the baseline that restores
// without our item actions.
func registerItemActions(s framework.Server, _ *kubeclient.Lazy) framework.Server { return s }
