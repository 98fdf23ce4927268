// Package app wires csdr-controller: its options, the manager (leader election, metrics, probes) and
// the reconcilers of the packages beside it.
package app

import (
	"flag"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/controller/datalocations"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/apis/csdr/v1alpha1"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/clusteridentity"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/kubelet"
)

// Environment variables the controller reads, as ACK Backup Center's controller does where it has one.
const (
	// EnvKubeletRootPath is ACK's name for the kubelet's pods directory (<root-dir>/pods).
	EnvKubeletRootPath = "KUBELET_ROOT_PATH"
	// EnvPodNamespace is set by the Deployment from the downward API: the controller works in the
	// namespace it runs in, Velero's.
	EnvPodNamespace = "POD_NAMESPACE"
	// EnvCredentialsFile is where `velero install` mounts the cloud credentials; the controller reads
	// the same Secret.
	EnvCredentialsFile = "ALIBABA_CLOUD_CREDENTIALS_FILE"
)

// DefaultNamespace is Velero's namespace when nothing says otherwise.
const DefaultNamespace = "velero"

// DefaultMountPodImage does nothing, as a pod that only mounts a volume should; it runs as non-root.
const DefaultMountPodImage = "registry.k8s.io/pause:3.10"

// Options are csdr-controller's settings. Flags set them; the csdr-config ConfigMap (ConfigMap) may
// change the ones it names while the controller runs.
type Options struct {
	// Namespace is Velero's: where the records, the token Secret and the config live.
	Namespace string
	// Region is the cluster's region, which HBR's vault and endpoint follow; "" reads it from the
	// nodes' topology.kubernetes.io/region label.
	Region string
	// HBREndpoint overrides HBR's regional endpoints (an emulator); "" uses them.
	HBREndpoint string
	// ECSEndpoint overrides ECS's regional endpoints (an emulator); "" uses them.
	ECSEndpoint string
	// CredentialsFile is a Velero credentials file (dotenv); "" uses the environment (RRSA, ECS role).
	CredentialsFile string
	// PodsDir is the kubelet's pods directory on the nodes, where HBR's agent finds volumes.
	PodsDir string
	// ConfigMap is the name of the ConfigMap in Namespace with the settings users change at run time.
	ConfigMap string
	// TokenSecret is the Secret in Namespace that keeps the HBR container cluster's token (key
	// HBR_TOKEN) for the hbr-client agents.
	TokenSecret string
	// ClusterIdentity is what the cluster registers with HBR as and the source of its backups; "" is the
	// UID of kube-system (pkg/clusteridentity).
	ClusterIdentity string
	// MountPodImage is the image of the temporary pods that mount a claim no Running pod mounts.
	MountPodImage string

	MetricsAddress     string
	HealthProbeAddress string
	LeaderElect        bool
	LeaderElectionID   string
	BackupWorkers      int
	RestoreWorkers     int
	// ResyncPeriod is how often a record in progress is looked at again (HBR is polled at this pace).
	ResyncPeriod time.Duration
	// DataLocationsPeriod is how often the data locations of each Backup (ECS and HBR snapshots) are
	// checked; 0 turns the check off.
	DataLocationsPeriod time.Duration
	LogLevel            string
}

// DefaultOptions are the options with nothing set, reading the environment through getenv.
func DefaultOptions(getenv func(string) string) Options {
	o := Options{
		Namespace: DefaultNamespace, PodsDir: kubelet.DefaultPodsDir, ConfigMap: "csdr-config",
		TokenSecret: "csdr-hbr-token", MountPodImage: DefaultMountPodImage, MetricsAddress: ":8080", HealthProbeAddress: ":8081",
		LeaderElect: true, LeaderElectionID: "csdr-controller.csdr.io", BackupWorkers: 4, RestoreWorkers: 4,
		ResyncPeriod: 5 * time.Second, DataLocationsPeriod: datalocations.DefaultPeriod, LogLevel: "info", CredentialsFile: getenv(EnvCredentialsFile),
		ClusterIdentity: getenv(clusteridentity.EnvVar),
	}
	if ns := getenv(EnvPodNamespace); ns != "" {
		o.Namespace = ns
	}
	if dir := getenv(EnvKubeletRootPath); dir != "" {
		o.PodsDir = dir
	}
	return o
}

// BindFlags registers the options as flags, with o's values as defaults. controller-runtime adds
// --kubeconfig itself.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	fs.StringVar(&o.Namespace, "namespace", o.Namespace, "Velero's namespace, where the records, the token Secret and the config live (env "+EnvPodNamespace+")")
	fs.StringVar(&o.Region, "region", o.Region, "the cluster's region; empty reads the nodes' topology.kubernetes.io/region label")
	fs.StringVar(&o.HBREndpoint, "hbr-endpoint", o.HBREndpoint, "Cloud Backup endpoint instead of hbr.<region>.aliyuncs.com (host[:port] or URL)")
	fs.StringVar(&o.ECSEndpoint, "ecs-endpoint", o.ECSEndpoint, "ECS endpoint instead of ecs.<region>.aliyuncs.com (host[:port] or URL), for the data locations check")
	fs.StringVar(&o.CredentialsFile, "credentials-file", o.CredentialsFile, "Velero credentials file with the Alibaba Cloud keys (env "+EnvCredentialsFile+"); empty uses RRSA or the ECS RAM role")
	fs.StringVar(&o.PodsDir, "kubelet-root-path", o.PodsDir, "the kubelet's pods directory on the nodes (env "+EnvKubeletRootPath+", ACK's name)")
	fs.StringVar(&o.ConfigMap, "config-map", o.ConfigMap, "ConfigMap in the namespace with run-time settings")
	fs.StringVar(&o.TokenSecret, "token-secret", o.TokenSecret, "Secret in the namespace that keeps the HBR_TOKEN the hbr-client agents register with")
	fs.StringVar(&o.ClusterIdentity, "cluster-identity", o.ClusterIdentity, "the cluster's identity: what it registers with HBR as and the source of its backups in a shared vault (env "+clusteridentity.EnvVar+", which velero server must carry too); empty is the UID of the kube-system namespace")
	fs.StringVar(&o.MountPodImage, "mount-pod-image", o.MountPodImage, "image of the temporary pods that mount a claim no Running pod mounts")
	fs.StringVar(&o.MetricsAddress, "metrics-bind-address", o.MetricsAddress, "address of the Prometheus metrics endpoint; 0 turns it off")
	fs.StringVar(&o.HealthProbeAddress, "health-probe-bind-address", o.HealthProbeAddress, "address of /healthz and /readyz")
	fs.BoolVar(&o.LeaderElect, "leader-elect", o.LeaderElect, "elect one active controller among replicas")
	fs.StringVar(&o.LeaderElectionID, "leader-election-id", o.LeaderElectionID, "name of the leader election Lease in the namespace")
	fs.IntVar(&o.BackupWorkers, "backup-workers", o.BackupWorkers, "FilesystemBackups reconciled at once")
	fs.IntVar(&o.RestoreWorkers, "restore-workers", o.RestoreWorkers, "FilesystemRestores reconciled at once")
	fs.DurationVar(&o.ResyncPeriod, "resync-period", o.ResyncPeriod, "how often a record in progress is looked at again")
	fs.DurationVar(&o.DataLocationsPeriod, "data-locations-period", o.DataLocationsPeriod, "how often each Backup's ECS and HBR snapshots are checked and the result written to its "+v1alpha1.DataLocationsAnnotation+" annotation (one cloud call per volume); 0 turns the check off")
	fs.StringVar(&o.LogLevel, "log-level", o.LogLevel, "panic, fatal, error, warning, info, debug or trace")
}

// Validate checks every option and says which is wrong and what it accepts.
func (o *Options) Validate() error {
	var errs []string
	if o.Namespace == "" {
		errs = append(errs, "--namespace is empty")
	}
	if o.Region != "" && !alibaba.ValidRegion(o.Region) {
		errs = append(errs, fmt.Sprintf("--region %q is not a region ID like cn-hangzhou", o.Region))
	}
	if !path.IsAbs(o.PodsDir) {
		errs = append(errs, fmt.Sprintf("--kubelet-root-path (%s) %q is not an absolute path, like %s", EnvKubeletRootPath, o.PodsDir, kubelet.DefaultPodsDir))
	}
	if o.MountPodImage == "" {
		errs = append(errs, "--mount-pod-image is empty")
	}
	if o.BackupWorkers < 1 || o.RestoreWorkers < 1 {
		errs = append(errs, "--backup-workers and --restore-workers must be at least 1")
	}
	if o.ResyncPeriod < 100*time.Millisecond {
		errs = append(errs, "--resync-period must be at least 100ms")
	}
	if o.DataLocationsPeriod != 0 && o.DataLocationsPeriod < time.Minute {
		errs = append(errs, fmt.Sprintf("--data-locations-period %s must be 0 (off) or at least 1m", o.DataLocationsPeriod))
	}
	if _, err := logrus.ParseLevel(o.LogLevel); err != nil {
		errs = append(errs, "--log-level: "+err.Error())
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid options: %s", strings.Join(errs, "; "))
	}
	o.PodsDir = path.Clean(o.PodsDir)
	return nil
}
