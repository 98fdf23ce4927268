//go:build e2e

package suite

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/harness"
)

// deployObjects is what deploy/ installs: two CRDs, the ServiceAccount, Role, ClusterRole and their
// bindings, csdr-config, the metrics Service and the Deployment.
const deployObjects = 10

// csdr-controller as a user installs it: deploy/ applied server-side (setUp did it in both clusters),
// the controller running as the Deployment's ServiceAccount, leading through its Lease in Velero's
// namespace, ready, serving metrics, and handing the lead over when it restarts or dies.
func TestController(t *testing.T) {
	c := env.a
	deploy := filepath.Join(env.layout.Repo, "deploy")
	t.Cleanup(func() {
		if c.ControllerProcess() == nil { // a failed step must not leave the other tests without one
			assert.NoError(t, c.StartController(context.Background()))
		}
	})

	t.Run("re-applying deploy/ changes nothing", func(t *testing.T) {
		before := deployedVersions(t, c, deploy)
		require.Len(t, before, deployObjects, "every object of deploy/ is installed")
		out, err := c.Kubectl(ctx(t), nil, "apply", "--server-side", "-k", deploy)
		require.NoError(t, err, out)
		assert.NotContains(t, out, "Warning", "deploy/ applies without warnings")
		assert.Equal(t, before, deployedVersions(t, c, deploy),
			"no object changed, and the harness's scale to 0 does not fight the manifest")
	})

	t.Run("install.yaml is accepted as it is", func(t *testing.T) {
		out, err := c.Kubectl(ctx(t), nil, "apply", "--server-side", "--dry-run=server",
			"-f", filepath.Join(deploy, "install.yaml"))
		require.NoError(t, err, out)
		assert.Equal(t, deployObjects, strings.Count(out, "serverside-applied"), out)
	})

	t.Run("its pod meets the restricted Pod Security Standard", func(t *testing.T) {
		testControllerPodSecurity(t, c)
	})

	t.Run("runs with only what deploy/rbac grants", func(t *testing.T) {
		// The answer is the last word: kubectl warns first about cluster-scoped resources.
		as := func(args ...string) string {
			out, _ := c.Kubectl(ctx(t), nil, append([]string{"--kubeconfig=" + c.ControllerKubeconfig()}, args...)...)
			words := strings.Fields(out)
			if len(words) == 0 {
				return ""
			}
			return words[len(words)-1]
		}
		assert.Equal(t, "system:serviceaccount:velero:csdr-controller",
			as("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"))
		for check, want := range map[string]string{
			"get secrets/csdr-hbr-token -n velero": "yes", "list secrets -n velero": "no",
			"get secrets/cloud-credentials -n velero": "no", "get secrets/csdr-hbr-token -n default": "no",
			"update filesystembackups.csdr.io/status -n velero": "yes", "create filesystembackups.csdr.io -n velero": "no",
			"list filesystembackups.csdr.io -A": "no", "patch persistentvolumes": "yes", "delete persistentvolumes": "no",
			"create pods -n shop": "yes", "get namespaces/kube-system": "yes", "get namespaces/velero": "no",
		} {
			assert.Equal(t, want, as(append([]string{"auth", "can-i"}, strings.Fields(check)...)...), check)
		}
	})

	t.Run("leads, is ready and serves metrics", func(t *testing.T) {
		holder := waitForLeader(t, c, "")
		host, err := os.Hostname()
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(holder, host+"_"), "the local process holds the Lease, not a pod: %s", holder)
		for _, probe := range []string{"/healthz", "/readyz"} {
			resp, err := http.Get(c.ControllerProbes() + probe)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode, probe)
		}
		testControllerMetrics(t, c)
	})

	t.Run("a restarted controller takes the lead at once", func(t *testing.T) {
		old := waitForLeader(t, c, "")
		start := time.Now()
		require.NoError(t, c.RestartController(ctx(t)))
		waitForLeader(t, c, old)
		// The stopped one released the Lease; otherwise the new one would wait for it to expire (15 s).
		assert.Less(t, time.Since(start), 12*time.Second)
		testControllerMetrics(t, c)
	})

	t.Run("a killed controller's successor leads once the Lease expires", func(t *testing.T) {
		old := waitForLeader(t, c, "")
		c.KillController()
		require.NoError(t, c.StartController(ctx(t)), "the new process is ready while it waits for the Lease")
		waitForLeader(t, c, old)
		testControllerMetrics(t, c)
	})
}

// deployedVersions is, for every object of deploy/ in the cluster, its generation where it has one
// (status updates do not count) and else its resourceVersion.
func deployedVersions(t *testing.T, c *harness.Cluster, deploy string) map[string]string {
	t.Helper()
	out, err := c.Kubectl(ctx(t), nil, "get", "-k", deploy, "-o",
		`jsonpath={range .items[*]}{.kind}/{.metadata.name} {.metadata.generation} {.metadata.resourceVersion}{"\n"}{end}`)
	require.NoError(t, err, out)
	versions := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.Fields(line)
		require.NotEmpty(t, f, out)
		versions[f[0]] = "rv " + f[len(f)-1]
		if len(f) == 3 {
			versions[f[0]] = "generation " + f[1]
		}
	}
	return versions
}

// testControllerPodSecurity creates, as a server-side dry run, the Deployment's pod in a namespace that
// enforces the restricted profile, and the same pod without its security settings, which must fail:
// proof that the API server enforces the profile at all.
func testControllerPodSecurity(t *testing.T, c *harness.Cluster) {
	var dep appsv1.Deployment
	require.NoError(t, c.Client.Get(ctx(t), types.NamespacedName{Namespace: harness.VeleroNamespace, Name: "csdr-controller"}, &dep))
	ns := "e2e-psa-restricted"
	require.NoError(t, c.Client.Create(ctx(t), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{
		"pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "latest"}}}))
	t.Cleanup(func() { _, _ = c.Kubectl(context.Background(), nil, "delete", "namespace", ns, "--wait=false") })
	// The ServiceAccount admission plugin wants the pod's account to exist.
	require.NoError(t, c.Client.Create(ctx(t), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: dep.Spec.Template.Spec.ServiceAccountName}}))

	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "csdr-controller"}, Spec: *dep.Spec.Template.Spec.DeepCopy()}
	assert.NoError(t, c.Client.Create(ctx(t), pod.DeepCopy(), client.DryRunAll))

	pod.Spec.SecurityContext, pod.Spec.Containers[0].SecurityContext = nil, nil
	err := c.Client.Create(ctx(t), pod, client.DryRunAll)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `violates PodSecurity "restricted:latest"`)
}

// waitForLeader waits until the controller's Lease has a holder other than notHolder and returns it.
func waitForLeader(t *testing.T, c *harness.Cluster, notHolder string) string {
	t.Helper()
	var holder string
	require.Eventually(t, func() bool {
		var lease coordinationv1.Lease
		if err := c.Client.Get(ctx(t), types.NamespacedName{Namespace: harness.VeleroNamespace, Name: harness.ControllerLease}, &lease); err != nil {
			return false
		}
		if lease.Spec.HolderIdentity != nil {
			holder = *lease.Spec.HolderIdentity
		}
		return holder != "" && holder != notHolder
	}, 45*time.Second, 200*time.Millisecond, "Lease %s/%s held by someone other than %q (now %q)", harness.VeleroNamespace, harness.ControllerLease, notHolder, holder)
	return holder
}

// The design's metric families of csdr-controller; they appear once a reconciler has counted something.
var csdrMetricFamilies = []string{"csdr_filesystem_jobs_total", "csdr_filesystem_bytes_total",
	"csdr_filesystem_job_duration_seconds", "csdr_hbr_errors_total"}

// testControllerMetrics checks /metrics: controller-runtime's own families, this process as the
// leader, and no csdr_ family beyond the design's.
func testControllerMetrics(t *testing.T, c *harness.Cluster) {
	t.Helper()
	leading := `leader_election_master_status{name="` + harness.ControllerLease + `"} 1`
	var text string
	require.Eventually(t, func() bool {
		var err error
		text, err = c.ControllerMetrics(ctx(t))
		return err == nil && strings.Contains(text, leading)
	}, 20*time.Second, 200*time.Millisecond, "metrics say the process leads: %s", leading)
	families := metricFamilies(text)
	for _, f := range []string{"go_goroutines", "process_cpu_seconds_total", "rest_client_requests_total", "leader_election_master_status"} {
		assert.Contains(t, families, f)
	}
	for f := range families {
		if strings.HasPrefix(f, "csdr_") {
			assert.Contains(t, csdrMetricFamilies, f, "a csdr_ metric family the design does not name")
		}
	}
}

// metricFamilies reads the family names of the Prometheus text format ("# TYPE <name> <type>").
func metricFamilies(text string) map[string]bool {
	families := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			families[f[2]] = true
		}
	}
	return families
}
