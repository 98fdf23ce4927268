//go:build e2e

package suite

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

const (
	// sharedBucket is the vault of TestSharedVault's three clusters; no other test writes to it.
	sharedBucket = "cnfs-oss-shared"
	// sharedPrefix puts the vault under a prefix, so the index's "<prefix>plugins/csdr/" is exercised.
	sharedPrefix = "team"
	// sharedVSL names the disk snapshot location in every cluster: a cluster deleting a backup looks
	// up the location its snapshots name, and fails the deletion without it.
	sharedVSL = "shared-disks"
	// syncSlack is what a sync's own work may add to a sync period: a fresh plugin process, the
	// listings, the reads of the backups it syncs, and the 0.5 s poll of the test.
	syncSlack = 5 * time.Second
)

// createSharedLocation creates the default ReadWrite location on sharedBucket, as `velero
// backup-location create` does.
func createSharedLocation(ctx context.Context, c *harness.Cluster) error {
	_, err := c.Velero(ctx, "backup-location", "create", "default", "--provider", "alibabacloud",
		"--bucket", sharedBucket, "--prefix", sharedPrefix,
		"--config", "region="+env.cloud.Region+",endpoint="+env.cloud.Endpoint,
		"--credential", credsSecret+"=cloud", "--access-mode", "ReadWrite", "--default")
	return err
}

// startVaultCluster starts a cluster in a's region with csdr-controller, a default ReadWrite location
// on sharedBucket and the snapshot location sharedVSL; it stops when the test ends.
func startVaultCluster(t *testing.T, name string) *harness.Cluster {
	t.Helper()
	return startSameRegionCluster(t, name, func(c *harness.Cluster) {
		require.NoError(t, createSharedLocation(ctx(t), c))
		createSnapshotLocation(t, c, sharedVSL, "region="+env.a.Region())
	})
}

// objectFacts is what must not change of an object another cluster only reads or marks.
type objectFacts struct {
	Size  int64
	ETag  string
	CRC64 uint64
}

// vaultObjects are the objects of sharedBucket whose key names the backup: its files under
// <prefix>/backups/<name>/ and whatever the vault's index keeps of it, whatever the index's layout.
func vaultObjects(t *testing.T, name string) map[string]objectFacts {
	t.Helper()
	objs, err := env.cloud.Objects(ctx(t), sharedBucket, sharedPrefix+"/")
	require.NoError(t, err)
	out := map[string]objectFacts{}
	for _, o := range objs {
		if strings.Contains(o.Key, "/"+name+"/") || strings.HasSuffix(o.Key, "/"+name) {
			out[o.Key] = objectFacts{Size: o.Size, ETag: o.ETag, CRC64: o.CRC64}
		}
	}
	return out
}

// backupFiles are the objects Velero wrote for the backup under <prefix>/backups/<name>/.
func backupFiles(t *testing.T, name string) map[string]objectFacts {
	t.Helper()
	out := map[string]objectFacts{}
	for k, f := range vaultObjects(t, name) {
		if strings.HasPrefix(k, sharedPrefix+"/backups/"+name+"/") {
			out[k] = f
		}
	}
	return out
}

// ecsSnapshotIDs are the emulator's ECS snapshots tagged with the backup's name.
func ecsSnapshotIDs(t *testing.T, backup string) []string {
	t.Helper()
	var ids []string
	for _, s := range backupSnapshots(t, backup) {
		ids = append(ids, s.ID)
	}
	return ids
}

// hbrSnapshotIDs are the HBR snapshots that the FilesystemBackups of the backup in its source a made.
func hbrSnapshotIDs(t *testing.T, a *harness.Cluster, backup string) []string {
	t.Helper()
	var records v1alpha1.FilesystemBackupList
	require.NoError(t, a.Client.List(ctx(t), &records, client.InNamespace(harness.VeleroNamespace),
		client.MatchingLabels{v1alpha1.BackupNameLabel: backup}))
	var ids []string
	for _, r := range records.Items {
		require.NotNil(t, r.Status.HBR, "record %s has no HBR status: %s", r.Name, r.Status.Message)
		ids = append(ids, r.Status.HBR.SnapshotID)
	}
	return ids
}

// hbrSnapshotsPresent are those of ids the emulator's HBR still holds.
func hbrSnapshotsPresent(t *testing.T, ids []string) []string {
	t.Helper()
	st, err := env.cloud.HBRState(ctx(t))
	require.NoError(t, err)
	var out []string
	for _, s := range st.Snapshots {
		for _, id := range ids {
			if s.ID == id {
				out = append(out, id)
			}
		}
	}
	return out
}

// absence watches a cluster for a backup that must not show up there, in the background, so that the
// test goes on while two syncs pass. It touches no testing.T until wait.
type absence struct {
	c              *harness.Cluster
	location, name string
	start          time.Time
	done           chan struct{}
	// Set by the watcher before done closes.
	seen      bool
	seenAfter time.Duration
	syncs     int
	err       error
}

// watchAbsence starts watching cluster c for backup name until at least two syncs of its location
// have finished and two sync periods have passed.
func watchAbsence(c *harness.Cluster, location, name string) *absence {
	w := &absence{c: c, location: location, name: name, start: time.Now(), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *absence) run() {
	defer close(w.done)
	ctx, cancel := context.WithTimeout(context.Background(), 2*harness.SyncPeriod+2*time.Minute)
	defer cancel()
	var last *metav1.Time
	for w.syncs < 2 || time.Since(w.start) < 2*harness.SyncPeriod {
		_, err := w.c.Backup(ctx, w.name)
		if err == nil {
			w.seen, w.seenAfter = true, time.Since(w.start)
			return
		}
		if !apierrors.IsNotFound(err) {
			w.err = err
			return
		}
		loc, err := w.c.Location(ctx, w.location)
		if err != nil {
			w.err = err
			return
		}
		if now := loc.Status.LastSyncedTime; now != nil && (last == nil || !now.Equal(last)) {
			// A sync counts if it ended after the watch began; the first may have begun before: hence two.
			if last != nil || now.After(w.start) {
				w.syncs++
			}
			last = now
		}
		select {
		case <-ctx.Done():
			w.err = fmt.Errorf("only %d syncs of location %s finished in %s (phase %s, %q): see the cluster's velero-server log",
				w.syncs, w.location, time.Since(w.start).Round(time.Second), loc.Status.Phase, loc.Status.Message)
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// wait blocks until the watch ends and fails t if the backup showed up or the syncs did not happen.
func (w *absence) wait(t *testing.T) {
	t.Helper()
	<-w.done
	require.NoError(t, w.err, "watching cluster %s for backup %s", w.c.Name, w.name)
	if w.seen {
		assert.Fail(t, "backup showed up", "backup %s showed up in cluster %s %s after the watch began", w.name, w.c.Name, w.seenAfter.Round(time.Millisecond))
		return
	}
	t.Logf("backup %s stayed out of cluster %s for %s and %d syncs", w.name, w.c.Name, time.Since(w.start).Round(time.Second), w.syncs)
}

// waitBackupGone waits until the Backup is gone from cluster c; on timeout it shows the deletion
// requests' errors, where Velero says why a deletion did not finish.
func waitBackupGone(t *testing.T, c *harness.Cluster, name string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, "backup "+name+" to go from cluster "+c.Name, func() (bool, string) {
		_, err := c.Backup(ctx(t), name)
		if apierrors.IsNotFound(err) {
			return true, ""
		}
		out, _ := c.Kubectl(ctx(t), nil, "-n", harness.VeleroNamespace, "get", "deletebackuprequests", "-l",
			"velero.io/backup-name="+name, "-o", "jsonpath={range .items[*]}{.status.phase}: {.status.errors}{\"\\n\"}{end}")
		return false, fmt.Sprintf("err %v; delete requests: %s", err, out)
	})
}
