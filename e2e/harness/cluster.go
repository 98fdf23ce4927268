package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator"
	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
)

// Cluster is one local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler) in
// one cloud region, with fake nodes spread over the region's zones. kwok plays the nodes' kubelets: it
// keeps them Ready and moves the pods scheduled onto them to Running with a host and pod IP, but no
// container runs.
type Cluster struct {
	Name       string
	Dir        string
	Kubeconfig string
	Server     string
	// Client reads and writes the cluster's objects, Velero's and ours (csdr.io) included.
	Client client.Client

	session   *Session
	opts      ClusterOptions
	region    string
	nodes     []Node
	pki       clusterPKI
	etcdURL   string
	env       []string
	etcd      *Process
	api       *Process
	kcm       *Process
	scheduler *Process
	kwok      *Process
	velero    *Process
	csdr      controllerProcess
	csi       *csiLayer
}

// ClusterOptions change how a cluster's kube-apiserver and `velero server` run; the zero value is what
// StartCluster does.
type ClusterOptions struct {
	// PluginDir is velero server's --plugin-dir; empty means the session's (our plugin as Build makes it).
	PluginDir string
	// VeleroServerArgs and APIServerArgs are added after the harness's own flags; a flag given twice
	// takes the last value.
	VeleroServerArgs []string
	APIServerArgs    []string
	// VeleroServerEnv is added to velero server's environment (KEY=value), which its plugins inherit,
	// as `velero install` puts variables into the Deployment.
	VeleroServerEnv []string
	// Region is the cloud region of the cluster's nodes; "" means emulator.DefaultRegion.
	Region string
	// Nodes are the cluster's fake nodes: nil means three spread over the region's zones, an empty
	// slice none.
	Nodes []NodeSpec
	// CSIDrivers are served by the cluster's fake CSI layer besides Alibaba Cloud's disk, NAS and OSS.
	CSIDrivers []CSIDriver
	// ControllerArgs are added after the flags StartController gives csdr-controller (the last of a flag
	// given twice wins), and ControllerEnv to its environment (KEY=value), as a Deployment would set them.
	ControllerArgs []string
	ControllerEnv  []string
	// WithoutScheduler leaves kube-scheduler out. In a cluster without nodes it can place no Pod, and
	// would only try each one again, record that it failed and update its status, which a benchmark
	// would measure with the cluster.
	WithoutScheduler bool
}

// StartCluster starts a control plane named name and waits until it serves and its controllers run.
func (s *Session) StartCluster(ctx context.Context, name string) (*Cluster, error) {
	return s.StartClusterWith(ctx, name, ClusterOptions{})
}

// StartClusterWith is StartCluster with options for the cluster's kube-apiserver and velero server.
func (s *Session) StartClusterWith(ctx context.Context, name string, opts ClusterOptions) (*Cluster, error) {
	dir := filepath.Join(s.Dir, name)
	c := &Cluster{Name: name, Dir: dir, Kubeconfig: filepath.Join(dir, "kubeconfig"), session: s, opts: opts, region: opts.Region}
	if c.region == "" {
		c.region = emulator.DefaultRegion
	}
	planned, err := c.planNodes()
	if err != nil {
		return nil, fmt.Errorf("cluster %s: %w", name, err)
	}
	for _, sub := range []string{"home", "kwok-home", "tmp", "logs", "flexvolume"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	// HOME and TMPDIR keep kubectl's cache, velero's client config, velero server's credential files
	// and go-plugin's sockets inside the session, and apart from the other cluster's.
	c.env = append(os.Environ(), "HOME="+filepath.Join(dir, "home"), "TMPDIR="+filepath.Join(dir, "tmp"),
		"KUBECONFIG="+c.Kubeconfig)
	if c.pki, err = newClusterPKI(filepath.Join(dir, "pki")); err != nil {
		return nil, err
	}
	steps := []struct {
		name string
		fn   func(context.Context) error
	}{{"etcd", c.startEtcd}, {"kube-apiserver", c.startAPIServer},
		{"controllers, scheduler and nodes", func(ctx context.Context) error { return c.startWorkers(ctx, planned) }},
		{"csi layer", c.startCSI}, {"hbr agents", c.registerHBRAgents}}
	for _, st := range steps {
		if err := st.fn(ctx); err != nil {
			return c, fmt.Errorf("cluster %s: start %s: %w", name, st.name, err)
		}
	}
	return c, nil
}

func (c *Cluster) logPath(component string) string {
	return filepath.Join(c.Dir, "logs", component+".log")
}

func (c *Cluster) startEtcd(ctx context.Context) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	client, peer := "http://"+loopback(ports[0]), "http://"+loopback(ports[1])
	c.etcd, err = c.session.Procs.Start(c.Name+"/etcd", c.logPath("etcd"), c.env, c.session.Bins.Etcd,
		"--name="+c.Name, "--data-dir="+filepath.Join(c.Dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster="+c.Name+"="+peer,
		// A throwaway cluster needs no durability, and fsync dominates etcd's latency on shared disks.
		"--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return err
	}
	c.etcdURL = client
	return waitFor(ctx, 30*time.Second, "etcd health", c.etcd, func(ctx context.Context) error {
		return httpOK(ctx, http.DefaultClient, client+"/health", "")
	})
}

func (c *Cluster) startAPIServer(ctx context.Context) error {
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	c.Server = "https://" + loopback(ports[0])
	args := append([]string{"--etcd-servers=" + c.etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port=" + strconv.Itoa(ports[0]),
		// The default reconciler refuses a loopback advertise address for the "kubernetes" Service.
		"--endpoint-reconciler-type=none",
		"--cert-dir=" + c.pki.certDir(), "--token-auth-file=" + c.pki.tokens(), "--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.pki.saPub(), "--service-account-signing-key-file=" + c.pki.saKey(),
		"--service-cluster-ip-range=10.96.0.0/24", "--allow-privileged=true", "--v=1"}, c.opts.APIServerArgs...)
	c.api, err = c.session.Procs.Start(c.Name+"/kube-apiserver", c.logPath("kube-apiserver"), c.env, c.session.Bins.KubeAPIServer, args...)
	if err != nil {
		return err
	}
	if err := writeKubeconfig(c.Kubeconfig, c.Name, "admin", c.Server, c.pki.servingCA(), c.pki.adminToken); err != nil {
		return err
	}
	return waitFor(ctx, 90*time.Second, "kube-apiserver /readyz", c.api, func(ctx context.Context) error {
		cfg, err := c.restConfig()
		if err != nil {
			return err
		}
		hc, err := rest.HTTPClientFor(cfg)
		if err != nil {
			return err // the serving certificate is not written yet
		}
		if err := httpOK(ctx, hc, c.Server+"/readyz", c.pki.adminToken); err != nil {
			return err
		}
		c.Client, err = client.New(cfg, client.Options{Scheme: Scheme()})
		return err
	})
}

func (c *Cluster) restConfig() (*rest.Config, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 100, 200
	return cfg, nil
}

// Scheme knows the core Kubernetes types, CRDs, Velero's API and ours.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextv1.AddToScheme, velerov1.AddToScheme,
		csdrv1alpha1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// Kubectl runs kubectl against the cluster; stdin may be nil.
func (c *Cluster) Kubectl(ctx context.Context, stdin io.Reader, args ...string) (string, error) {
	return c.run(ctx, stdin, c.session.Bins.Kubectl, []string{"--kubeconfig=" + c.Kubeconfig}, args)
}

// Velero runs the velero CLI against the cluster's Velero namespace, as a user would.
func (c *Cluster) Velero(ctx context.Context, args ...string) (string, error) {
	return c.run(ctx, nil, c.session.Bins.Velero, []string{"--kubeconfig=" + c.Kubeconfig, "--namespace=" + VeleroNamespace}, args)
}

// run runs a CLI with the cluster's global flags; errors quote the command as the user wrote it.
func (c *Cluster) run(ctx context.Context, stdin io.Reader, bin string, global, args []string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, append(global, args...)...)
	cmd.Env = c.env
	cmd.Stdin = stdin
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s (cluster %s): %w\n%s", filepath.Base(bin), strings.Join(args, " "), c.Name, err, out.String())
	}
	return out.String(), nil
}

// Pause stops every process of the cluster, velero server's plugins included, until the returned
// function resumes them: a benchmark timing another cluster keeps this one's controllers from taking
// the CPU meanwhile.
func (c *Cluster) Pause() (resume func()) {
	var paused []*Process
	procs := c.session.Procs.All()
	// Newest first, so that clients stop before the servers they call; resumed oldest first.
	for i := len(procs) - 1; i >= 0; i-- {
		if p := procs[i]; strings.HasPrefix(p.Name, c.Name+"/") && p.ExitError() == nil {
			p.Pause()
			paused = append(paused, p)
		}
	}
	return func() {
		for i := len(paused) - 1; i >= 0; i-- {
			paused[i].Resume()
		}
	}
}

// Stop stops the cluster's processes, Velero first.
func (c *Cluster) Stop() {
	if c.csi != nil {
		c.csi.Stop() // before the API server, whose watches it holds
	}
	c.StopController()
	if c.velero != nil {
		c.velero.Stop()
	}
	for _, p := range []*Process{c.kwok, c.scheduler, c.kcm, c.api, c.etcd} {
		if p != nil {
			p.Stop()
		}
	}
}

func httpOK(ctx context.Context, hc *http.Client, url, token string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return nil
}
