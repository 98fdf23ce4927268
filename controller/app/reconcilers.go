package app

import (
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/backup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/datalocations"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/env"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/hbrsetup"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/restore"
)

// setupReconcilers adds every reconciler to the manager.
func setupReconcilers(mgr ctrl.Manager, e env.Env, opts Options) error {
	// The token Secret is read and written past the cache: caching Secrets would watch every Secret of
	// the cluster.
	direct, err := client.New(mgr.GetConfig(), client.Options{Scheme: mgr.GetScheme(), Mapper: mgr.GetRESTMapper()})
	if err != nil {
		return fmt.Errorf("kubernetes client for the token Secret: %w", err)
	}
	registry := hbrsetup.New(direct, e)

	backups, err := backup.New(e, backup.Config{Client: mgr.GetClient(), ConfigReader: mgr.GetAPIReader(), Registry: registry,
		Events: mgr.GetEventRecorderFor("csdr-controller"), MountPodImage: opts.MountPodImage})
	if err != nil {
		return err
	}
	if err := backups.SetupWithManager(mgr, opts.BackupWorkers); err != nil {
		return fmt.Errorf("set up the FilesystemBackup reconciler: %w", err)
	}

	restores := restore.New(e, restore.Config{Client: mgr.GetClient(), ConfigReader: mgr.GetAPIReader(), Registry: registry,
		Events: mgr.GetEventRecorderFor("csdr-controller"), MountPodImage: opts.MountPodImage})
	if err := restores.SetupWithManager(mgr, opts.RestoreWorkers); err != nil {
		return fmt.Errorf("set up the FilesystemRestore reconciler: %w", err)
	}

	if opts.DataLocationsPeriod > 0 {
		locations, err := datalocations.New(e, mgr.GetClient(), opts.DataLocationsPeriod)
		if err != nil {
			return err
		}
		if err := locations.SetupWithManager(mgr); err != nil {
			return fmt.Errorf("set up the data locations reconciler: %w", err)
		}
	}
	return nil
}
