//go:build !csdr_noactions

package main

import (
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/backupaction"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/deleteaction"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/kubeclient"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/restoreaction"
)

// registerItemActions adds our backup and restore item actions. `make bench` builds the binary with
// the csdr_noactions tag too, to measure restores without them in the same run.
func registerItemActions(s framework.Server, kube *kubeclient.Lazy) framework.Server {
	crds := &backupaction.KubeCRDs{Kube: kube}
	s = s.RegisterBackupItemAction("csdr.io/backup-dependencies", func(log logrus.FieldLogger) (any, error) {
		return backupaction.NewDependenciesAction(log, crds), nil
	}).
		RegisterBackupItemAction("csdr.io/system-namespaces", func(log logrus.FieldLogger) (any, error) {
			return backupaction.NewSystemNamespacesAction(log), nil
		}).
		RegisterBackupItemAction("csdr.io/system-namespace-objects", func(log logrus.FieldLogger) (any, error) {
			return backupaction.NewSystemNamespaceObjectsAction(log), nil
		}).
		RegisterBackupItemActionV2(backupaction.FilesystemVolumesName, func(log logrus.FieldLogger) (any, error) {
			return backupaction.NewFilesystemVolumesAction(log, kube, time.Now), nil
		}).
		RegisterDeleteItemAction(deleteaction.FilesystemBackupName, func(log logrus.FieldLogger) (any, error) {
			return deleteaction.NewFilesystemBackupAction(log, kube.Client, kube.Identity), nil
		}).
		RegisterRestoreItemAction(restoreaction.SkipRecordsName, func(logrus.FieldLogger) (any, error) {
			return restoreaction.SkipRecordsAction{}, nil
		})

	reader := &restoreaction.KubeReader{Kube: kube}
	var (
		once     sync.Once
		sessions *restoreaction.Sessions
	)
	for name := range restoreaction.Families {
		s = s.RegisterRestoreItemAction(name, func(log logrus.FieldLogger) (any, error) {
			// One Sessions per process, made with the first logger Velero hands in, so every family
			// shares each restore's pipeline.
			once.Do(func() {
				sessions = restoreaction.NewSessions(reader, log)
				restoreOnOneProc()
			})
			return restoreaction.New(name, sessions, log)
		})
	}
	s = registerRestoreVolumeData(s, kube)
	return s
}

// restoreOnOneProc runs this process on one P once it serves a restore. Velero starts a plugin process
// per restore and calls its item actions from one loop, one call at a time, each waiting for the last:
// with more Ps, gRPC's reader, the call's handler and its writer wake other threads for every call, and
// on a busy node each wake-up waits for a CPU while Velero's loop waits for the call. The process's
// other work in a restore (reading the backup from OSS, ECS calls) needs no second core; backups, whose
// uploads do, run in processes of their own. GOMAXPROCS set by the operator wins.
func restoreOnOneProc() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
