//go:build e2e

package suite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// A schedule makes backups with no one asking, and backups past their TTL are garbage-collected from
// the cluster and the vault. Velero checks schedules once a minute, so this takes a couple of minutes.
func TestScheduleBacksUpOnItsOwnAndExpiredBackupsGo(t *testing.T) {
	parallel(t)
	deployWorkload(t, env.a, "sched-ns")
	_, err := env.a.Velero(ctx(t), "schedule", "create", "every-minute", "--schedule", "@every 1m",
		"--include-namespaces", "sched-ns", "--ttl", "30s")
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = env.a.Velero(context.Background(), "schedule", "delete", "every-minute", "--confirm") })

	var made string
	eventually(t, 3*time.Minute, "a Completed backup made by the schedule", func() (bool, string) {
		var list velerov1.BackupList
		err := env.a.Client.List(ctx(t), &list, client.InNamespace(harness.VeleroNamespace),
			client.MatchingLabels{velerov1.ScheduleNameLabel: "every-minute"})
		if err != nil {
			return false, err.Error()
		}
		for _, b := range list.Items {
			if b.Status.Phase == velerov1.BackupPhaseCompleted {
				made = b.Name
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d backups of the schedule, none Completed yet", len(list.Items))
	})
	t.Logf("the schedule made backup %s", made)
	assert.ElementsMatch(t, backupKeys(vaultPrefix+"/", made), keys(t, vault, vaultPrefix+"/backups/"+made+"/"))

	eventually(t, 2*time.Minute, "the expired backup to be collected", func() (bool, string) {
		_, err := env.a.Backup(ctx(t), made)
		left := keys(t, vault, vaultPrefix+"/backups/"+made+"/")
		return apierrors.IsNotFound(err) && len(left) == 0, fmt.Sprintf("backup: %v, objects left: %v", err, left)
	})
}
