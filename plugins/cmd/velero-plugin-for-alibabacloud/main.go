// Command velero-plugin-for-alibabacloud is the one plugin binary Velero loads: it wires the real
// dependencies and serves every plugin kind over go-plugin.
package main

import (
	"github.com/sirupsen/logrus"
	"github.com/spf13/pflag"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore"
)

func main() {
	framework.NewServer().
		BindFlags(pflag.CommandLine).
		RegisterObjectStore(objectstore.Name, newObjectStore).
		Serve()
}

func newObjectStore(log logrus.FieldLogger) (any, error) {
	return objectstore.New(log, objectstore.DefaultDependencies()), nil
}
