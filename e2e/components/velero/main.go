// Command velero is the stock Velero v1.18 CLI and server with one change for running out of cluster:
// controller-runtime's metrics listener, which `velero server` leaves at the package default ":8080"
// (every interface, no flag), is off unless CSDR_VELERO_CR_METRICS_ADDR names a loopback address.
package main

import (
	"os"
	"path/filepath"

	"github.com/vmware-tanzu/velero/pkg/cmd"
	"github.com/vmware-tanzu/velero/pkg/cmd/velero"
	"k8s.io/klog/v2"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

func main() {
	defer klog.Flush()
	metricsserver.DefaultBindAddress = "0"
	if addr := os.Getenv("CSDR_VELERO_CR_METRICS_ADDR"); addr != "" {
		metricsserver.DefaultBindAddress = addr
	}
	cmd.CheckError(velero.NewCommand(filepath.Base(os.Args[0])).Execute())
}
