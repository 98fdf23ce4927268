package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

const (
	restoreVault  = "cnfs-oss-restore-bench"
	restoreBackup = "restore-bench"
	restoreCreds  = "alibabacloud-credentials"
	// minRestored is what every restore must have restored at least: the objects made in cluster A.
	minRestored = 10_000
	// mappedRegistry is where the restore configuration sends docker.io/library images.
	mappedRegistry = "registry.cn-beijing.aliyuncs.com/my-registry/"
)

// restorePairsVar sets how many pairs of restores each iteration times. Unset, the benchmark runs up to
// three pairs (C then B, B then C, C then B), each pair after the first only if the pairs before it
// say it fits in the budget (restoreCap): on two idle CPUs that is three pairs in 27-35 minutes; on
// a slow or busy machine it stops after fewer and says why. An environment variable rather than a test
// flag, because `make bench` puts BENCH_FLAGS before the package.
const restorePairsVar = "RESTORE_BENCH_PAIRS"

// autoPairs is how many pairs the benchmark runs, time allowing, when restorePairsVar is unset.
const autoPairs = 3

// restorePairs returns how many pairs to run and whether that many were asked for (else they run
// only while the budget allows).
func restorePairs(b *testing.B) (int, bool) {
	v := os.Getenv(restorePairsVar)
	if v == "" {
		return autoPairs, false
	}
	n, err := strconv.Atoi(v)
	require.NoError(b, err, restorePairsVar)
	require.Positive(b, n, restorePairsVar)
	return n, true
}

// veleroServerArgs lift velero server's API client limit (100 requests/s, burst 100), which would
// otherwise pace both restores alike and hide the plugin's cost in the pauses, and log at info, as
// `velero install` does, instead of the harness's debug.
var veleroServerArgs = []string{"--client-qps=1000", "--client-burst=2000", "--log-level=info"}

// targetAPIServerArgs serve consistent LISTs from etcd, as Kubernetes did before 1.31. From the watch
// cache (the default since 1.31) a LIST waits for etcd's next progress notification, which the API
// server requests every 100 ms while writes go on; Velero's built-in restore actions LIST their
// ConfigMaps once per item, so Pods, workloads and claims would restore at 10 a second in both
// clusters, and 10,000 items would take 15 minutes per restore with our actions' cost lost in the wait.
var targetAPIServerArgs = []string{"--feature-gates=ConsistentListFromCache=false"}

// restoreTarget is a cluster that restores the backup: with our plugin as built, or built without
// item actions.
type restoreTarget struct {
	cluster     *harness.Cluster
	kube        kubernetes.Interface
	withActions bool
}

func (t *restoreTarget) plugin() string {
	if t.withActions {
		return "with actions"
	}
	return "without actions"
}

// restoreCluster is how the restore benchmark's clusters run: without nodes, so that kwok does not run its
// thousands of Pods in the middle of the measured restores, and so without a scheduler, which could
// place none of them and would only retry each one after every restore, writing its status and events.
func restoreCluster(opts harness.ClusterOptions) harness.ClusterOptions {
	opts.Nodes, opts.WithoutScheduler = []harness.NodeSpec{}, true
	opts.VeleroServerArgs = veleroServerArgs
	return opts
}

// derived are left out of the backup: the target's controllers make them again from the Deployments
// and Services (restored ReplicaSets and endpoints would only be replaced, their owners' UIDs having
// changed), and events are not restored anyway.
const derived = "events,events.events.k8s.io,replicasets.apps,endpoints,endpointslices.discovery.k8s.io"

// restoreRun is one timed restore.
type restoreRun struct {
	name, namespace string
	target          *restoreTarget
	wall, own       time.Duration
	items           int
	log             restoreLog
	cpu             map[string]float64
}

// BenchmarkRestoreOf10000Items backs up 10,000 objects from cluster A once, then restores the backup
// into clusters B, whose Velero loads our plugin with its restore item actions and a restore
// configuration that maps docker.io/library images, and into clusters C, whose Velero loads the plugin
// built without item actions. The restores come in pairs, and the benchmark reports the ratio of their
// wall times and where the time goes.
//
// Each restore goes into a cluster of its own, started for its pair, which has restored nothing before
// and is stopped after it: a cluster that has restored 10,000 objects keeps its controller manager, API
// server and etcd busier with every restore, and restoring twice into the same clusters made the
// second restore of each 13-34 % slower whichever plugin it had, more than the difference measured. A
// restore runs while the other cluster of its pair is paused (harness.Cluster.Pause), and nothing else
// runs. Odd pairs run C then B, even ones B then C, so that what changes on the machine during the
// benchmark falls evenly on both plugins.
func BenchmarkRestoreOf10000Items(b *testing.B) {
	pairs, asked := restorePairs(b)
	bg, ctx, cancel := newBudget("restore benchmark", restoreCap)
	defer cancel()
	began := bg.began
	layout, err := harness.FindLayout()
	require.NoError(b, err)
	bins, err := layout.Build(ctx, os.Stderr)
	require.NoError(b, err)
	noActions, err := layout.BuildNoActionsPlugin(ctx, os.Stderr)
	require.NoError(b, err)
	s, err := layout.NewSession(bins, "bench-restore")
	require.NoError(b, err)
	failed := true
	targetsReady := make(chan struct{})
	targetsStarted := false
	defer func() {
		cancel()
		if targetsStarted {
			<-targetsReady
		}
		if failed {
			fmt.Fprintf(os.Stderr, "logs kept in %s\n", s.Dir)
		}
		require.NoError(b, s.Close(failed))
	}()

	cloud, err := s.StartCloud(ctx, restoreVault)
	require.NoError(b, err)
	setupStart := time.Now()
	a, err := s.StartClusterWith(ctx, "a", restoreCluster(harness.ClusterOptions{}))
	require.NoError(b, err)
	require.NoError(b, a.InstallVelero(ctx))
	// Our CRDs, as deploy/ installs them with the plugin (the controller is not started: the backup has
	// no filesystem volume). Without them the backup's object store cannot list its HBR snapshots, the
	// Backup gets no csdr.io/data-locations, and in B the volume-data action is called for every claim.
	require.NoError(b, a.InstallController(ctx))
	kubeA := kubeClient(b, a)
	require.NoError(b, createDiskClass(ctx, kubeA))
	require.NoError(b, a.StartVelero(ctx))
	require.NoError(b, createVaultLocation(ctx, a, cloud, "ReadWrite"))
	require.NoError(b, a.WaitForLocation(ctx, "default", time.Minute))
	clusterA := time.Since(setupStart)

	// The first pair's clusters start while A gets its objects.
	var (
		first      []*restoreTarget
		firstErr   error
		firstStart time.Duration
	)
	targetsStarted = true
	go func() {
		defer close(targetsReady)
		started := time.Now()
		first, firstErr = startTargets(ctx, s, cloud, noActions, 1)
		firstStart = time.Since(started)
	}()
	creation := createItems(ctx, b, kubeA)
	backupStart := time.Now()
	backupCtx, stopWatch := bg.watch(ctx, step{name: "backup in cluster A (" + restoreBackup + ")", unit: "items",
		total: itemsCreated(), done: func(ctx context.Context) (int, error) {
			backup, err := a.Backup(ctx, restoreBackup)
			if err != nil || backup.Status.Progress == nil {
				return 0, err
			}
			return backup.Status.Progress.ItemsBackedUp, nil
		}})
	_, err = a.Velero(backupCtx, "backup", "create", restoreBackup, "--include-namespaces", sourceNamespace,
		"--exclude-resources", derived, "--wait")
	require.NoError(b, stopWatch())
	require.NoError(b, err)
	backupTook := time.Since(backupStart)
	backup, err := a.Backup(ctx, restoreBackup)
	require.NoError(b, err)
	require.NoError(b, harness.BackupCompleted(backup))
	require.GreaterOrEqual(b, backup.Status.Progress.ItemsBackedUp, minRestored)
	<-targetsReady
	require.NoError(b, firstErr)
	a.Stop()
	require.NoError(b, synced(ctx, first))
	fmt.Printf("\nset-up: cluster A %s; %d objects created in %s (%.0f/s); backup of %d items %s; clusters b1 and c1 "+
		"ready; %s since start\n", round(clusterA), itemsCreated(), round(creation), float64(itemsCreated())/creation.Seconds(),
		backup.Status.Progress.ItemsBackedUp, round(backupTook), round(time.Since(began)))

	b.ResetTimer()
	var runs []restoreRun
	pair := 0
	required := b.N * pairs
	if !asked {
		required = b.N
	}
	planned := b.N * pairs
	var lastStart time.Duration
pairs:
	for i := 0; i < b.N; i++ {
		for p := range pairs {
			optional := p > 0 && !asked
			if optional {
				if ok, why := bg.fits("another pair of restores", pairTime(runs[len(runs)-2:], lastStart)); !ok {
					fmt.Printf("  %d pair(s) of restores, not %d: %s\n", pair, planned, why)
					break
				}
			}
			pair++
			b.StopTimer()
			targets, started := first, firstStart
			if pair > 1 {
				targets, started = startPair(ctx, b, s, cloud, noActions, pair)
			}
			b.StartTimer()
			lastStart = started
			fmt.Printf("  clusters b%d and c%d started in %s\n", pair, pair, round(started))
			// Odd pairs run C then B; even ones B then C.
			order := []*restoreTarget{targets[1], targets[0]}
			if pair%2 == 0 {
				order = []*restoreTarget{targets[0], targets[1]}
			}
			for k, t := range order {
				// The restores still required after this one, each about as long.
				after := max(0, 2*required-len(runs)-1)
				var limit time.Duration
				if k == 1 {
					// The second of a pair may take a few times its partner's time, no more: a restore that
					// stalls is stopped long before the cap.
					limit = bg.scaled(runs[len(runs)-1].wall, 3, 2*time.Minute)
				}
				run, stopped := restoreOnce(ctx, b, s, bg, targets, t, backup.Status.Progress.ItemsBackedUp, float64(after),
					limit, optional)
				// A cluster restores once: the next restore finds nothing left by this one.
				t.cluster.Stop()
				if stopped != nil {
					// A pair the budget allowed only if the machine kept its pace: the pairs before it stand.
					runs = runs[:len(runs)-k]
					fmt.Printf("  pair %d dropped: %v\n", pair, stopped)
					for _, other := range targets {
						other.cluster.Stop()
					}
					break pairs
				}
				runs = append(runs, run)
				fmt.Printf("  %-12s %-16s %6.1f s wall, %5d items, %4.0f items/s\n",
					run.name, t.plugin(), run.wall.Seconds(), run.items, float64(run.items)/run.wall.Seconds())
			}
		}
	}
	b.StopTimer()
	failed = false
	report(b, runs, backup.Status.Progress.ItemsBackedUp)
	fmt.Printf("  the benchmark took %s (budget %s)\n", round(time.Since(began)), minutes(restoreCap))
}

// pairTime is what one more pair is expected to take: starting its clusters as the last pair's did,
// the last pair's restores, and a tenth more.
func pairTime(last []restoreRun, start time.Duration) time.Duration {
	d := start
	for _, r := range last {
		d += r.wall + 5*time.Second
	}
	return d + d/10
}

// startPair starts the clusters of pair n, ready to restore, and returns them and how long that took.
func startPair(ctx context.Context, b *testing.B, s *harness.Session, cloud *harness.Cloud, noActions string,
	n int) ([]*restoreTarget, time.Duration) {
	started := time.Now()
	targets, err := startTargets(ctx, s, cloud, noActions, n)
	require.NoError(b, err)
	require.NoError(b, synced(ctx, targets))
	return targets, time.Since(started)
}

// startTargets starts clusters b<n> (our plugin) and c<n> (without item actions) at once.
func startTargets(ctx context.Context, s *harness.Session, cloud *harness.Cloud, noActions string, n int) ([]*restoreTarget, error) {
	names, plugins := []string{fmt.Sprintf("b%d", n), fmt.Sprintf("c%d", n)}, []string{"", noActions}
	targets := make([]*restoreTarget, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			targets[i], errs[i] = startTarget(ctx, s, cloud, names[i], plugins[i])
		}()
	}
	wg.Wait()
	return targets, errors.Join(errs...)
}

// synced waits until every target's velero server has synced the backup from the vault.
func synced(ctx context.Context, targets []*restoreTarget) error {
	for _, t := range targets {
		if _, err := t.cluster.WaitForBackup(ctx, restoreBackup, 2*time.Minute); err != nil {
			return fmt.Errorf("cluster %s syncs the backup from the vault: %w", t.cluster.Name, err)
		}
	}
	return nil
}

func startTarget(ctx context.Context, s *harness.Session, cloud *harness.Cloud, name, pluginDir string) (*restoreTarget, error) {
	c, err := s.StartClusterWith(ctx, name, restoreCluster(harness.ClusterOptions{PluginDir: pluginDir,
		APIServerArgs: targetAPIServerArgs}))
	if err != nil {
		return nil, err
	}
	kube, err := newKubeClient(c)
	if err != nil {
		return nil, err
	}
	if err := c.InstallVelero(ctx); err != nil {
		return nil, err
	}
	if err := createDiskClass(ctx, kube); err != nil {
		return nil, err
	}
	if err := createPendingClaims(ctx, kube, "pending-claims", pendingClaims); err != nil {
		return nil, err
	}
	// C gets the configuration too, so that the clusters differ only in the plugin: without item
	// actions nothing reads it.
	if err := createRestoreConfig(ctx, kube); err != nil {
		return nil, err
	}
	// The location exists before the server starts, as `velero install` makes it, so the first
	// backup sync finds it.
	if err := createVaultLocation(ctx, c, cloud, "ReadOnly"); err != nil {
		return nil, err
	}
	if err := c.StartVelero(ctx); err != nil {
		return nil, err
	}
	if err := c.WaitForLocation(ctx, "default", time.Minute); err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	return &restoreTarget{cluster: c, kube: kube, withActions: pluginDir == ""}, nil
}

func createVaultLocation(ctx context.Context, c *harness.Cluster, cloud *harness.Cloud, mode string) error {
	if _, err := c.Kubectl(ctx, nil, "-n", harness.VeleroNamespace, "create", "secret", "generic", restoreCreds,
		"--from-file=cloud="+cloud.SecretFile); err != nil {
		return err
	}
	_, err := c.Velero(ctx, "backup-location", "create", "default", "--provider", "alibabacloud", "--bucket", restoreVault,
		"--config", "region="+cloud.Region+",endpoint="+cloud.Endpoint, "--credential", restoreCreds+"=cloud",
		"--access-mode", mode, "--default")
	return err
}

// createRestoreConfig makes the global restore configuration: docker.io/library images move to an
// Alibaba Cloud registry.
func createRestoreConfig(ctx context.Context, kube kubernetes.Interface) error {
	_, err := kube.CoreV1().ConfigMaps(harness.VeleroNamespace).Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "csdr-restore-config", Namespace: harness.VeleroNamespace,
			Labels: map[string]string{"velero.io/plugin-config": "", "csdr.io/restore-config": "RestoreItemAction"}},
		Data: map[string]string{"imageRegistryMapping": "docker.io/library/: " + mappedRegistry + "\n"},
	}, metav1.CreateOptions{})
	return err
}

// restoreOnce restores the backup into a namespace of t's cluster and measures it.
//
// The restore is watched (see budget.watch) and stopped, the benchmark failing with the rate it got,
// when the benchmark could not end within its budget at that rate, after counting the restores still to
// come, each about as long; limit, when not zero, is the longest it may take. The restore of an optional
// pair is stopped the same way, but returns why instead of failing the benchmark.
func restoreOnce(ctx context.Context, b *testing.B, s *harness.Session, bg *budget, targets []*restoreTarget, t *restoreTarget,
	items int, after float64, limit time.Duration, optional bool) (restoreRun, error) {
	run := restoreRun{name: "restore-" + t.cluster.Name, namespace: sourceNamespace + "-" + t.cluster.Name, target: t}
	clusters := make([]*harness.Cluster, 0, len(targets))
	for _, tt := range targets {
		clusters = append(clusters, tt.cluster)
	}
	logPath := t.cluster.VeleroServer().LogPath
	offset := fileSize(logPath)
	for _, other := range targets {
		if other != t {
			defer other.cluster.Pause()()
		}
	}
	meter := startCPUMeter(s, t.cluster, clusters)
	stepCtx, stopWatch := bg.watch(ctx, step{name: fmt.Sprintf("restore %s (%s)", t.plugin(), run.name), unit: "items",
		total: items, after: after, limit: limit, done: func(ctx context.Context) (int, error) {
			r, err := t.cluster.Restore(ctx, run.name)
			if err != nil || r.Status.Progress == nil {
				return 0, err
			}
			return r.Status.Progress.ItemsRestored, nil
		}})
	start := time.Now()
	_, err := t.cluster.Velero(stepCtx, "restore", "create", run.name, "--from-backup", restoreBackup,
		"--namespace-mappings", sourceNamespace+":"+run.namespace, "--wait")
	run.wall = time.Since(start)
	run.cpu = meter.Stop()
	stopped := stopWatch()
	if stopped != nil && optional {
		return run, stopped
	}
	require.NoError(b, stopped)
	require.NoError(b, err)

	restore, err := t.cluster.Restore(ctx, run.name)
	require.NoError(b, err)
	run.log, err = scanRestoreLog(logPath, offset, run.name, t.cluster.PluginDir())
	require.NoError(b, err)
	if err := harness.RestoreCompleted(restore); err != nil {
		for i, line := range run.log.errors {
			if i == 30 {
				fmt.Printf("  ... %d more error lines\n", len(run.log.errors)-i)
				break
			}
			fmt.Printf("  %s\n", line)
		}
		b.Fatalf("%s (%s): %v", run.name, t.plugin(), err)
	}
	if restore.Status.Progress != nil {
		run.items = restore.Status.Progress.ItemsRestored
	}
	require.GreaterOrEqual(b, run.items, minRestored, "%s restored items", run.name)
	if restore.Status.StartTimestamp != nil && restore.Status.CompletionTimestamp != nil {
		run.own = restore.Status.CompletionTimestamp.Sub(restore.Status.StartTimestamp.Time)
	}
	checkImages(ctx, b, t, run.namespace)
	return run, nil
}

// checkImages proves that the rules ran where our actions are, and only there.
func checkImages(ctx context.Context, b *testing.B, t *restoreTarget, ns string) {
	dep, err := t.kube.AppsV1().Deployments(ns).Get(ctx, "web-0000", metav1.GetOptions{})
	require.NoError(b, err)
	want := "docker.io/library/nginx:1.27"
	if t.withActions {
		want = mappedRegistry + "nginx:1.27"
	}
	assert.Equal(b, want, dep.Spec.Template.Spec.Containers[0].Image, "restored into %s by Velero %s", ns, t.plugin())
}
