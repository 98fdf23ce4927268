// Command csdr-controller drives Cloud Backup (HBR) for the filesystem volumes of Velero backups and
// restores: it turns FilesystemBackup and FilesystemRestore records, which our item actions create,
// into HBR jobs, and writes their progress back for Velero to read.
package main

import (
	"flag"
	"fmt"
	"os"

	// The image has no CA certificates (FROM scratch): HBR's and ECS's certificates are checked against
	// these roots, which Go uses only where the system has none.
	_ "golang.org/x/crypto/x509roots/fallback"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/app"
)

func main() {
	opts := app.DefaultOptions(os.Getenv)
	opts.BindFlags(flag.CommandLine)
	flag.Parse()
	if err := app.Run(ctrl.SetupSignalHandler(), opts); err != nil {
		fmt.Fprintf(os.Stderr, "csdr-controller: %v\n", err)
		os.Exit(1)
	}
}
