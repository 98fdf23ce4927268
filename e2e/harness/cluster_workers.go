package harness

import (
	"context"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// startWorkers starts what works on the API server's objects (kube-controller-manager, kube-scheduler,
// kwok) all at once, creates the nodes meanwhile, and then waits for what tests rely on: the default
// ServiceAccount and every node Ready. Nothing waits for one component before starting the next.
func (c *Cluster) startWorkers(ctx context.Context, planned []plannedNode) error {
	starts := []func() error{c.startControllerManager, c.startKwok}
	if !c.opts.WithoutScheduler {
		starts = append(starts, c.startScheduler)
	}
	for _, start := range starts {
		if err := start(); err != nil {
			return err
		}
	}
	if err := c.createNodes(ctx, planned); err != nil {
		return err
	}
	procs := []*Process{c.kcm, c.scheduler, c.kwok}
	// The default ServiceAccount appears once the controllers run; pods cannot be created before it.
	if err := waitWhileRunning(ctx, 60*time.Second, "the default ServiceAccount", procs, func(ctx context.Context) error {
		return c.Client.Get(ctx, types.NamespacedName{Namespace: "default", Name: "default"}, &corev1.ServiceAccount{})
	}); err != nil {
		return err
	}
	return waitWhileRunning(ctx, 60*time.Second, "nodes Ready", procs, c.nodesReady)
}

func (c *Cluster) startControllerManager() (err error) {
	c.kcm, err = c.session.Procs.Start(c.Name+"/kube-controller-manager", c.logPath("kube-controller-manager"), c.env,
		c.session.Bins.KubeControllerManager,
		"--kubeconfig="+c.Kubeconfig, "--bind-address=127.0.0.1",
		"--secure-port=0", // nothing here needs its health or metrics endpoint
		"--leader-elect=false", "--use-service-account-credentials=false",
		"--flex-volume-plugin-dir="+filepath.Join(c.Dir, "flexvolume"),
		"--service-account-private-key-file="+c.pki.saKey(), "--root-ca-file="+c.pki.servingCA(),
		// Claims of restored or pre-bound volumes bind in seconds rather than at the 15 s default.
		"--pvclaimbinder-sync-period=2s", "--v=1")
	return err
}

func (c *Cluster) startScheduler() (err error) {
	c.scheduler, err = c.session.Procs.Start(c.Name+"/kube-scheduler", c.logPath("kube-scheduler"), c.env,
		c.session.Bins.KubeScheduler,
		"--kubeconfig="+c.Kubeconfig, "--bind-address=127.0.0.1",
		"--secure-port=0", // as for the controller manager: no health or metrics endpoint
		"--leader-elect=false", "--v=1")
	return err
}

// startKwok runs kwok as the kubelet of every node carrying kwok's annotation. Without --node-port and
// --server-address it serves nothing. Its own HOME keeps it from reading the user's ~/.kwok/kwok.yaml.
func (c *Cluster) startKwok() error {
	cidr, err := c.session.addrs.podCIDR()
	if err != nil {
		return err
	}
	env := append(append([]string(nil), c.env...), "HOME="+filepath.Join(c.Dir, "kwok-home"))
	c.kwok, err = c.session.Procs.Start(c.Name+"/kwok", c.logPath("kwok"), env, c.session.Bins.Kwok,
		"--kubeconfig="+c.Kubeconfig,
		"--manage-nodes-with-annotation-selector="+kwokNodeAnnotation+"="+kwokNodeValue,
		// Leases well inside kube-controller-manager's 50 s grace period keep the nodes from going Unknown.
		"--node-lease-duration-seconds=40",
		"--cidr="+cidr)
	return err
}
