package harness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ControllerLease is the Lease in Velero's namespace that csdr-controller's leader election holds
// (its --leader-election-id).
const ControllerLease = "csdr-controller.csdr.io"

// controllerServiceAccount is the ServiceAccount deploy/rbac makes; the harness runs the controller
// with its token.
const controllerServiceAccount = "csdr-controller"

// controllerProcess is csdr-controller as the harness runs it, with its loopback endpoints.
type controllerProcess struct {
	proc            *Process
	metrics, probes string // host:port
}

// InstallController applies deploy/ as a user would (`kubectl apply --server-side -k deploy/`): the
// CRDs, the ServiceAccount and its roles, csdr-config, the metrics Service and the Deployment, in
// Velero's namespace. Velero's namespace must exist (InstallVelero).
//
// The Deployment is then scaled to 0: its pod would be one of kwok's fakes, Running with no container,
// which reconciles nothing and only misleads whoever looks. The controller runs as a local process
// instead (StartController), with the flags the Deployment gives it and the ServiceAccount's token, so
// it gets exactly what deploy/ grants.
func (c *Cluster) InstallController(ctx context.Context) error {
	deploy := filepath.Join(c.session.Layout.Repo, "deploy")
	if _, err := c.Kubectl(ctx, nil, "apply", "--server-side", "-k", deploy); err != nil {
		return err
	}
	if _, err := c.Kubectl(ctx, nil, "wait", "--for=condition=Established", "--timeout=60s",
		"crd/filesystembackups.csdr.io", "crd/filesystemrestores.csdr.io"); err != nil {
		return err
	}
	_, err := c.Kubectl(ctx, nil, "-n", VeleroNamespace, "scale", "deployment/csdr-controller", "--replicas=0")
	return err
}

// StartController runs csdr-controller against the cluster and the session's emulated cloud, and waits
// until its /readyz answers: Velero's namespace, the cluster's region, HBR at the emulator with the
// session's key, metrics and probes on loopback ports, leader election on, and a resync period of a
// second so that tests see HBR's progress quickly. ClusterOptions.ControllerArgs come last and win.
// Install it first (InstallController): it runs as the Deployment's ServiceAccount.
func (c *Cluster) StartController(ctx context.Context) error { return c.StartControllerWithEnv(ctx) }

// StartControllerWithEnv is StartController with variables added to the controller's environment after
// ClusterOptions.ControllerEnv, as a user sets them in the Deployment (KUBELET_ROOT_PATH, say).
func (c *Cluster) StartControllerWithEnv(ctx context.Context, env ...string) error {
	if c.csdr.proc != nil {
		return fmt.Errorf("cluster %s: csdr-controller is already running", c.Name)
	}
	cloud := c.session.Cloud()
	if cloud == nil {
		return fmt.Errorf("cluster %s: csdr-controller needs the emulated cloud (StartCloud)", c.Name)
	}
	kubeconfig, err := c.controllerKubeconfig(ctx)
	if err != nil {
		return err
	}
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	cp := controllerProcess{metrics: loopback(ports[0]), probes: loopback(ports[1])}
	args := append([]string{"--kubeconfig=" + kubeconfig, "--namespace=" + VeleroNamespace, "--region=" + c.region,
		"--hbr-endpoint=" + cloud.Endpoint, "--ecs-endpoint=" + cloud.Endpoint, "--credentials-file=" + cloud.SecretFile,
		"--metrics-bind-address=" + cp.metrics, "--health-probe-bind-address=" + cp.probes,
		"--leader-elect=true", "--resync-period=1s"}, c.opts.ControllerArgs...)
	procEnv := append(append(slices.Clone(c.env), c.opts.ControllerEnv...), env...)
	if cp.proc, err = c.session.Procs.Start(c.Name+"/csdr-controller", c.logPath("csdr-controller"), procEnv,
		c.session.Bins.Controller, args...); err != nil {
		return err
	}
	c.csdr = cp
	return waitFor(ctx, 60*time.Second, "csdr-controller /readyz", cp.proc, func(ctx context.Context) error {
		return httpOK(ctx, http.DefaultClient, "http://"+cp.probes+"/readyz", "")
	})
}

// StopController stops csdr-controller (SIGTERM): it releases its Lease on the way out, so the next
// one leads at once. Stopping a stopped controller does nothing.
func (c *Cluster) StopController() {
	if c.csdr.proc != nil {
		c.csdr.proc.Stop()
		c.csdr.proc = nil
	}
}

// KillController ends csdr-controller with SIGKILL, as a crash or an evicted pod would: its Lease stays
// held until it expires, and work in flight is left where it was.
func (c *Cluster) KillController() {
	if c.csdr.proc != nil {
		c.csdr.proc.Kill()
		c.csdr.proc = nil
	}
}

// RestartController stops csdr-controller and starts it again.
func (c *Cluster) RestartController(ctx context.Context) error {
	c.StopController()
	return c.StartController(ctx)
}

// ControllerProcess is the running csdr-controller, or nil.
func (c *Cluster) ControllerProcess() *Process { return c.csdr.proc }

// ControllerProbes is the base URL of the running csdr-controller's /healthz and /readyz, or "".
func (c *Cluster) ControllerProbes() string {
	if c.csdr.proc == nil {
		return ""
	}
	return "http://" + c.csdr.probes
}

// ControllerMetrics returns what csdr-controller's /metrics serves (Prometheus text format).
func (c *Cluster) ControllerMetrics(ctx context.Context) (string, error) {
	if c.csdr.proc == nil {
		return "", fmt.Errorf("cluster %s: csdr-controller is not running", c.Name)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+c.csdr.metrics+"/metrics", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("cluster %s: csdr-controller metrics: %w", c.Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("cluster %s: csdr-controller metrics: %s", c.Name, resp.Status)
	}
	return string(body), err
}

// ControllerKubeconfig is the kubeconfig csdr-controller runs with: its ServiceAccount's token.
func (c *Cluster) ControllerKubeconfig() string {
	return filepath.Join(c.Dir, "csdr-controller.kubeconfig")
}

// controllerKubeconfig writes a kubeconfig with a fresh token of the ServiceAccount deploy/ makes: the
// controller then has the RBAC deploy/ grants and nothing more, as in its pod.
func (c *Cluster) controllerKubeconfig(ctx context.Context) (string, error) {
	out, err := c.Kubectl(ctx, nil, "-n", VeleroNamespace, "create", "token", controllerServiceAccount, "--duration=24h")
	if err != nil {
		return "", fmt.Errorf("cluster %s: token of csdr-controller's ServiceAccount (InstallController first): %w", c.Name, err)
	}
	// The token is the last word; a warning kubectl printed would come before it.
	words := strings.Fields(out)
	if len(words) == 0 {
		return "", fmt.Errorf("cluster %s: kubectl create token printed nothing", c.Name)
	}
	path := c.ControllerKubeconfig()
	return path, writeKubeconfig(path, c.Name, controllerServiceAccount, c.Server, c.pki.servingCA(), words[len(words)-1])
}
