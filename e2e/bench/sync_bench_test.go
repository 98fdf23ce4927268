package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/require"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	"github.com/vmware-tanzu/velero/pkg/persistence"
	"github.com/vmware-tanzu/velero/pkg/plugin/velero"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/emulatortest"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/objectstore"
)

// syncPairs is how many times each kind of sync runs with and without our behaviour, alternating (the
// order flips every pair) so that both see the same machine load.
const syncPairs = 7

// syncRun is one measured sync.
type syncRun struct {
	requests int
	byOp     map[string]int
	wall     time.Duration
	listed   int // backups the listing returned
	synced   int // backups the sync read and would create
}

// syncVault is the emulator holding the vault and how to reach it.
type syncVault struct {
	em        *emulatortest.Server
	credsFile string
	log       logrus.FieldLogger
}

// sync runs what Velero's backup sync controller asks of the object store for one location in one
// period, through Velero's own persistence layer and a fresh ObjectStore (Velero starts a fresh plugin
// process for each sync): Init, the listing of backups/, and for every listed backup the cluster does
// not have, BackupExists, GetBackupMetadata and, for the phases Velero syncs, GetPodVolumeBackups. The
// backups synced are added to have. The emulator's counters give the requests.
func (v syncVault) sync(b *testing.B, cluster objectstore.Cluster, have sets.Set[string]) syncRun {
	v.em.OSS().ResetStats()
	start := time.Now()
	deps := objectstore.DefaultDependencies()
	deps.Cluster = cluster // nil: the stock, single-cluster store
	store := objectstore.New(v.log, deps)
	location := &velerov1.BackupStorageLocation{Spec: velerov1.BackupStorageLocationSpec{Provider: "alibabacloud",
		StorageType: velerov1.StorageType{ObjectStorage: &velerov1.ObjectStorageLocation{Bucket: bucket, Prefix: syncPrefix}},
		Config:      map[string]string{"region": "cn-hangzhou", "endpoint": v.em.URL, "credentialsFile": v.credsFile, "notOnECS": "true"}}}
	backups, err := persistence.NewObjectBackupStoreGetter(nil).Get(location, storeGetter{store}, v.log)
	require.NoError(b, err)
	names, err := backups.ListBackups()
	require.NoError(b, err)
	run := syncRun{listed: len(names)}
	for _, name := range names {
		if have.Has(name) {
			continue
		}
		exists, err := backups.BackupExists(bucket, name)
		require.NoError(b, err, name)
		if !exists {
			continue
		}
		backup, err := backups.GetBackupMetadata(name)
		require.NoError(b, err, name)
		switch backup.Status.Phase {
		case velerov1.BackupPhaseCompleted, velerov1.BackupPhasePartiallyFailed, velerov1.BackupPhaseFailed:
		default:
			continue // not expired yet: Velero skips it until it is
		}
		_, err = backups.GetPodVolumeBackups(name)
		require.NoError(b, err, name)
		have.Insert(name)
		run.synced++
	}
	run.wall = time.Since(start)
	run.byOp = v.em.OSS().Stats().Operations
	for _, n := range run.byOp {
		run.requests += n
	}
	return run
}

type storeGetter struct{ store velero.ObjectStore }

func (g storeGetter) GetObjectStore(string) (velero.ObjectStore, error) { return g.store, nil }

// BenchmarkSyncOf1000Backups measures what the backup sync of a vault of 1,000 backups costs, with
// our shared-vault behaviour (an ObjectStore that knows its cluster) and without (stock, one cluster),
// in the same run: requests to OSS and wall time of the steady sync every period, and of the first
// sync into a cluster that just joined the vault.
func BenchmarkSyncOf1000Backups(b *testing.B) {
	root := b.TempDir()
	em := emulatortest.NewServer(b, emulator.Options{DataDir: filepath.Join(root, "emulator"),
		Credentials: []emulator.Credential{{AccessKeyID: ak, AccessKeySecret: sk}}, Buckets: []string{bucket}})
	credsFile := filepath.Join(root, "cloud")
	require.NoError(b, os.WriteFile(credsFile, []byte("ALIBABA_CLOUD_ACCESS_KEY_ID="+ak+"\nALIBABA_CLOUD_ACCESS_KEY_SECRET="+sk+"\n"), 0o600))
	log := logrus.New()
	log.SetOutput(io.Discard)
	vault := syncVault{em: em, credsFile: credsFile, log: log}
	summary := fillSyncVault(b, em.OSS())

	// The syncs take no context: the budget is kept by not starting a pair that would not fit.
	bg, _, cancel := newBudget("sync benchmark", syncCap)
	defer cancel()
	b.ResetTimer()
	runs := map[string][]syncRun{}
	var lastPair time.Duration
pairs:
	for i := 0; i < b.N; i++ {
		for pair := range syncPairs {
			if ok, why := bg.fits("another pair of syncs", lastPair+lastPair/10); !ok {
				fmt.Printf("  %d pairs of syncs, not %d: %s (the last pair took %s)\n", i*syncPairs+pair, b.N*syncPairs, why,
					lastPair.Round(time.Millisecond))
				break pairs
			}
			began := time.Now()
			modes := []bool{true, false}
			if pair%2 == 1 {
				modes = []bool{false, true}
			}
			for _, shared := range modes {
				var cluster objectstore.Cluster
				label := "stock"
				if shared {
					// A new identity each time: the first sync is also the cluster's joining the vault.
					cluster, label = benchCluster{id: fmt.Sprintf("joining-%d-%d", i, pair)}, "shared vault"
				}
				have := sets.New[string]()
				runs["first sync, "+label] = append(runs["first sync, "+label], vault.sync(b, cluster, have))
				runs["steady sync, "+label] = append(runs["steady sync, "+label], vault.sync(b, cluster, have))
				// The same sync with a vault 40 ms away (round-trip time), where the number of requests tells.
				em.Faults().SetNetwork(wanDelay, 0)
				runs["steady sync WAN, "+label] = append(runs["steady sync WAN, "+label], vault.sync(b, cluster, have))
				em.Faults().SetNetwork(0, 0)
			}
			lastPair = time.Since(began)
		}
	}
	b.StopTimer()
	reportSync(b, summary, runs)
}

// reportSync prints min/median/max per kind of sync and reports the medians as metrics.
func reportSync(b *testing.B, sum vaultSummary, runs map[string][]syncRun) {
	fmt.Printf("\nbackup sync of a vault of %d backups (%d objects; %d source clusters; %d incomplete, %d failed or "+
		"partially failed, %d deleted by a non-source cluster), ObjectStore in-process against the emulator on loopback, "+
		"%d pairs alternated\n", syncBackups, sum.objects, len(syncSources), sum.incomplete, sum.failed, sum.tombstones,
		len(runs["steady sync, stock"]))
	fmt.Printf("  %-31s %21s %27s %7s %7s\n", "", "requests min/med/max", "wall ms min/med/max", "listed", "synced")
	order := []string{"steady sync, stock", "steady sync, shared vault", "steady sync WAN, stock", "steady sync WAN, shared vault",
		"first sync, stock", "first sync, shared vault"}
	for _, kind := range order {
		rs := runs[kind]
		if len(rs) == 0 {
			continue
		}
		req := stats(rs, func(r syncRun) float64 { return float64(r.requests) })
		ms := stats(rs, func(r syncRun) float64 { return float64(r.wall.Microseconds()) / 1000 })
		fmt.Printf("  %-31s %7.0f %6.0f %6.0f %9.1f %8.1f %8.1f %7d %7d\n", kind, req[0], req[1], req[2], ms[0], ms[1], ms[2],
			rs[len(rs)/2].listed, rs[len(rs)/2].synced)
		metric := strings.NewReplacer(", ", "-", " ", "-").Replace(kind)
		b.ReportMetric(req[1], metric+"-requests")
		b.ReportMetric(ms[1], metric+"-ms")
	}
	for _, sync := range []string{"steady sync", "steady sync WAN", "first sync"} {
		shared, stock := runs[sync+", shared vault"], runs[sync+", stock"]
		if len(shared) == 0 || len(stock) == 0 {
			continue
		}
		req := func(r syncRun) float64 { return float64(r.requests) }
		wall := func(r syncRun) float64 { return r.wall.Seconds() }
		fmt.Printf("  %s, shared vault / stock (medians): requests %.2f, wall time %.2f\n", sync,
			stats(shared, req)[1]/stats(stock, req)[1], stats(shared, wall)[1]/stats(stock, wall)[1])
	}
	fmt.Printf("  requests by operation (one run of each):\n")
	for _, kind := range order {
		if len(runs[kind]) > 0 {
			fmt.Printf("    %-31s %s\n", kind, byOperation(runs[kind][0].byOp))
		}
	}
	fmt.Printf("  listed: backups the listing of backups/ returned; synced: backups read and created in the cluster "+
		"(Completed, PartiallyFailed and Failed ones). WAN: %s round-trip time, paid by each request and once more by each new connection. Velero's plugin process start and gRPC hop, "+
		"the same either way, are not included.\n", wanDelay)
}

// stats is the min, median and max of f over runs.
func stats(runs []syncRun, f func(syncRun) float64) [3]float64 {
	vals := make([]float64, len(runs))
	for i, r := range runs {
		vals[i] = f(r)
	}
	sort.Float64s(vals)
	return [3]float64{vals[0], vals[len(vals)/2], vals[len(vals)-1]}
}

func byOperation(ops map[string]int) string {
	parts := make([]string, 0, len(ops))
	for op, n := range ops {
		parts = append(parts, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
