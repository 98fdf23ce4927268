// Package env is what every reconciler of csdr-controller shares: where it runs and how it reaches
// Cloud Backup and ECS. app fills it once at start-up.
package env

import (
	"time"

	"github.com/sirupsen/logrus"
	"k8s.io/utils/clock"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/ecs"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/hbr"
)

// Env is the controller's environment.
type Env struct {
	// Namespace is Velero's: the records, the token Secret and the config ConfigMap live here.
	Namespace string
	// Region is the cluster's region: HBR's vault and endpoint.
	Region string
	// Identity is what the cluster registers with HBR as (the UID of kube-system unless configured).
	Identity string
	// PodsDir is the kubelet's pods directory on the nodes (ACK's KUBELET_ROOT_PATH).
	PodsDir string
	// ConfigMap and TokenSecret name objects in Namespace: run-time settings, and the HBR_TOKEN of the
	// cluster's registration.
	ConfigMap, TokenSecret string
	// NewHBR builds the Cloud Backup client; reconcilers call it rather than hold a client made for
	// them, so tests hand in the emulator's.
	NewHBR func() (hbr.Client, error)
	// NewECS builds the ECS client, with the same credentials; each call names its region.
	NewECS func() (ecs.Client, error)
	// ResyncPeriod is how often a record in progress is looked at again.
	ResyncPeriod time.Duration
	Clock        clock.WithTicker
	Log          logrus.FieldLogger
}
