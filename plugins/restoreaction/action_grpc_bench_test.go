package restoreaction

import (
	"io"
	"testing"
	"time"

	plugin "github.com/hashicorp/go-plugin"
	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework"
	"github.com/vmware-tanzu/velero/pkg/plugin/framework/common"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// baselineAction names passThrough; Velero's plugin server takes only names of the form domain/name.
const baselineAction = "csdr.io/baseline-pass-through"

// passThrough is the baseline of BenchmarkExecuteThroughVeleroGRPC: an action that returns every item
// as it came, so that its calls cost only what Velero's gRPC adapters cost any action.
type passThrough struct{ Action }

func (p *passThrough) Execute(in *velero.RestoreItemActionExecuteInput) (*velero.RestoreItemActionExecuteOutput, error) {
	return velero.NewRestoreItemActionExecuteOutput(in.Item.(*unstructured.Unstructured)), nil
}

// BenchmarkExecuteThroughVeleroGRPC calls each item kind of the restore benchmark the way velero
// server does: through Velero's RestoreItemAction (v1, as our actions are registered) client and server adapters, over go-plugin gRPC
// on a unix socket, with a Restore as Velero sends it and the plugin's log formatted as Velero's plugin
// framework formats it. "baseline" is the same call of an action that changes nothing: what any
// plugin's action costs per call, before its own work.
func BenchmarkExecuteThroughVeleroGRPC(b *testing.B) {
	reader := benchReader()
	log := logrus.New()
	log.SetOutput(io.Discard)
	log.SetFormatter(&logrus.JSONFormatter{DisableTimestamp: true, FieldMap: logrus.FieldMap{logrus.FieldKeyMsg: "@message"}})
	sessions := NewSessions(reader, log)

	base := common.NewPluginBase(common.ClientLogger(log), common.ServerLogger(log))
	for name := range Families {
		base.Register(name, func(logrus.FieldLogger) (any, error) { return New(name, sessions, log) })
	}
	base.Register(baselineAction, func(logrus.FieldLogger) (any, error) { return &passThrough{}, nil })
	client, _ := plugin.TestPluginGRPCConn(b, false, map[string]plugin.Plugin{"ria": &framework.RestoreItemActionPlugin{PluginBase: base}})
	b.Cleanup(func() { _ = client.Close() })
	raw, err := client.Dispense("ria")
	require.NoError(b, err)
	dispenser := raw.(common.ClientDispenser)
	restore := runningRestore()

	items := benchItems()
	items["baseline"] = items["pod"]
	for name, item := range items {
		action := item.family
		if name == "baseline" {
			action = baselineAction
		}
		b.Run(name, func(b *testing.B) {
			ria := dispenser.ClientFor(action).(*framework.RestoreItemActionGRPCClient)
			from := &unstructured.Unstructured{Object: item.obj}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				out, err := ria.Execute(&velero.RestoreItemActionExecuteInput{Item: from, ItemFromBackup: from, Restore: restore})
				if err != nil || out.UpdatedItem == nil {
					b.Fatalf("execute: %v", err)
				}
			}
		})
	}
}

// runningRestore is a Restore as velero server passes it to every call: its spec and status as they are
// while it runs.
func runningRestore() *velerov1.Restore {
	r := restoreNamed("restore-b1", "")
	started := metav1.NewTime(time.Date(2026, 12, 4, 15, 0, 0, 0, time.UTC))
	r.Spec = velerov1.RestoreSpec{BackupName: "restore-bench", NamespaceMapping: map[string]string{"bench": "bench-b1"},
		IncludedNamespaces: []string{"*"}, IncludedResources: []string{"*"}, ExcludedResources: []string{"nodes", "events",
			"events.events.k8s.io", "backups.velero.io", "restores.velero.io", "resticrepositories.velero.io",
			"csinodes.storage.k8s.io", "volumeattachments.storage.k8s.io", "backuprepositories.velero.io"}}
	r.Status = velerov1.RestoreStatus{Phase: velerov1.RestorePhaseInProgress, StartTimestamp: &started,
		Progress: &velerov1.RestoreProgress{TotalItems: 10004, ItemsRestored: 5000}}
	return &r
}
