// Command velero-plugin-for-alibabacloud is the one plugin binary Velero loads: it wires the real
// dependencies and serves every plugin kind over go-plugin.
package main

import (
	"io"
	"os"
	"runtime/debug"

	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"
	veleroclient "github.com/vmware-tanzu/velero/pkg/client"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/buildinfo"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/volumesnapshotter"
)

func main() {
	logStart(os.Stderr)
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(objectstore.DefaultMemoryLimit)
	}
	// velero server hands its plugins its own flags: the factory reads --kubeconfig and --namespace.
	factory := veleroclient.NewFactory("velero-plugin-for-alibabacloud", veleroclient.VeleroConfig{})
	factory.BindFlags(pflag.CommandLine)
	kube := &kubeclient.Lazy{Factory: factory}
	backups := &volumesnapshotter.VeleroBackups{Kube: kube}
	server := framework.NewServer().
		BindFlags(pflag.CommandLine).
		RegisterObjectStore(objectstore.Name, newObjectStore(kube)).
		RegisterVolumeSnapshotter(volumesnapshotter.Name, func(log logrus.FieldLogger) (any, error) {
			return volumesnapshotter.New(log, volumesnapshotter.DefaultDependencies(backups, kube)), nil
		})
	registerItemActions(server, kube).Serve()
}

// newObjectStore makes the object stores of this process: they share one view of the cluster (its
// identity is read once) and one memory of shared vaults.
func newObjectStore(kube *kubeclient.Lazy) func(logrus.FieldLogger) (any, error) {
	cluster, cache := objectstore.NewKubeCluster(kube), objectstore.NewCache()
	return func(log logrus.FieldLogger) (any, error) {
		deps := objectstore.DefaultDependencies()
		deps.Cluster, deps.Cache = cluster, cache
		return objectstore.New(log, deps), nil
	}
}

// logStart says which version runs, once per plugin process, before Velero's framework takes over. It
// writes as the framework's logger does (JSON on stderr, the message under "@message"), which velero
// server parses into its own log and into the log of the backup or restore that started the process.
func logStart(w io.Writer) {
	log := logrus.New()
	log.SetOutput(w)
	log.SetFormatter(&logrus.JSONFormatter{DisableTimestamp: true, FieldMap: logrus.FieldMap{logrus.FieldKeyMsg: "@message"}})
	log.WithField("version", buildinfo.Version).Info("velero-plugin-for-alibabacloud starting")
}
