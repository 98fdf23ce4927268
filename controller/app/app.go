package app

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/bombsimon/logrusr/v4"
	"github.com/sirupsen/logrus"
	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/internal/env"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba/noderegion"
	csdrv1alpha1 "github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/buildinfo"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/credentials"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/clusteridentity"
)

// Scheme knows every kind the controller reads or writes.
func Scheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, csdrv1alpha1.AddToScheme, velerov1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// Run starts the controller and blocks until ctx ends or the manager fails.
func Run(ctx context.Context, opts Options) error {
	if err := opts.Validate(); err != nil {
		return err
	}
	log := logrus.New()
	log.SetOutput(os.Stderr)
	log.SetFormatter(&logrus.TextFormatter{FullTimestamp: true, DisableColors: true})
	level, _ := logrus.ParseLevel(opts.LogLevel)
	log.SetLevel(level)
	ctrl.SetLogger(logrusr.New(log))
	log.WithFields(logrus.Fields{"version": buildinfo.Version, "namespace": opts.Namespace}).Info("csdr-controller starting")

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return fmt.Errorf("kubernetes client config: %w", err)
	}
	scheme := Scheme()
	e, err := environment(ctx, cfg, scheme, opts, log)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme,
		// The records, Velero's objects and the controller's settings live in Velero's namespace, and the
		// controller's Role lets it read them only there.
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&csdrv1alpha1.FilesystemBackup{}:  {Namespaces: map[string]cache.Config{opts.Namespace: {}}},
			&csdrv1alpha1.FilesystemRestore{}: {Namespaces: map[string]cache.Config{opts.Namespace: {}}},
			&velerov1.Backup{}:                {Namespaces: map[string]cache.Config{opts.Namespace: {}}},
			&velerov1.Restore{}:               {Namespaces: map[string]cache.Config{opts.Namespace: {}}},
			&corev1.ConfigMap{}:               {Namespaces: map[string]cache.Config{opts.Namespace: {}}},
			&corev1.Secret{}:                  {Namespaces: map[string]cache.Config{opts.Namespace: {}}},
		}},
		Metrics:                 metricsserver.Options{BindAddress: opts.MetricsAddress},
		HealthProbeBindAddress:  opts.HealthProbeAddress,
		LeaderElection:          opts.LeaderElect,
		LeaderElectionID:        opts.LeaderElectionID,
		LeaderElectionNamespace: opts.Namespace,
		// A new leader takes over within seconds of the old one's exit rather than after the lease
		// runs out.
		LeaderElectionReleaseOnCancel: true,
	})
	if err != nil {
		return fmt.Errorf("controller manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", func(*http.Request) error {
		if !mgr.GetCache().WaitForCacheSync(ctx) {
			return fmt.Errorf("informer caches not synced")
		}
		return nil
	}); err != nil {
		return err
	}
	if err := setupReconcilers(mgr, e, opts); err != nil {
		return err
	}
	log.WithFields(logrus.Fields{"region": e.Region, "identity": e.Identity, "podsDir": e.PodsDir}).Info("csdr-controller running")
	return mgr.Start(ctx)
}

// environment resolves what the options leave open (region, identity) with a direct client, before
// the manager's caches exist, and builds the HBR and ECS client constructors.
func environment(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme, opts Options, log logrus.FieldLogger) (env.Env, error) {
	c, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return env.Env{}, fmt.Errorf("kubernetes client: %w", err)
	}
	e := env.Env{Namespace: opts.Namespace, Region: opts.Region, Identity: opts.ClusterIdentity, PodsDir: opts.PodsDir,
		ConfigMap: opts.ConfigMap, TokenSecret: opts.TokenSecret, ResyncPeriod: opts.ResyncPeriod,
		Clock: clock.RealClock{}, Log: log}
	if e.Identity, err = clusteridentity.Resolve(ctx, c, opts.ClusterIdentity); err != nil {
		return env.Env{}, err
	}
	if e.Region == "" {
		if e.Region, err = nodesRegion(ctx, c); err != nil {
			return env.Env{}, err
		}
	}
	creds, err := credentials.New(credentials.Options{File: opts.CredentialsFile})
	if err != nil {
		return env.Env{}, fmt.Errorf("alibaba cloud credentials: %w", err)
	}
	hbrLog := log.WithField("service", "hbr")
	e.NewHBR = func() (hbr.Client, error) {
		return hbr.New(hbr.Config{Endpoint: opts.HBREndpoint, Credentials: creds, Log: hbrLog})
	}
	e.NewECS = func() (ecs.Client, error) {
		return ecs.New(ecs.Config{Endpoint: opts.ECSEndpoint, Credentials: creds})
	}
	return e, nil
}

// nodesRegion is the region the nodes' topology.kubernetes.io/region labels agree on.
func nodesRegion(ctx context.Context, c client.Client) (string, error) {
	var nodes corev1.NodeList
	if err := c.List(ctx, &nodes); err != nil {
		return "", fmt.Errorf("list nodes for the cluster's region: %w", err)
	}
	region, err := noderegion.Of(nodes.Items)
	if err != nil {
		return "", fmt.Errorf("the cluster's region: %w: set --region", err)
	}
	return region, nil
}
