//go:build csdr_noactions

package main

import (
	veleroclient "github.com/vmware-tanzu/velero/pkg/client"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"
)

// registerItemActions registers nothing: this build serves `make bench` as the baseline that restores
// without our item actions.
func registerItemActions(s framework.Server, _ veleroclient.Factory) framework.Server { return s }
