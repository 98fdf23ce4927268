package restoreconfig

import (
	"slices"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"
)

// Resources our rules concern, as restore item actions name them (resource.group). Old API groups are
// listed by name because Velero matches them even when the target no longer serves them.
var (
	// StorageResources carry a volume's class, access modes and size, or teach the storage rules the
	// classes a restore brings: the always-on storage rules (accessModeMapping's disk check, boundClaims,
	// storageFacts) concern them whatever the configuration. StatefulSets carry volumeClaimTemplates.
	StorageResources = []string{"storageclasses.storage.k8s.io", "persistentvolumeclaims", "persistentvolumes", "statefulsets.apps"}
	// NetworkingResources are the Services the always-on services rule keeps NodePorts and load
	// balancers of, and the Ingresses and Gateways our backup action may mark (see backupMarks): few in
	// any cluster, so they are selected whatever the configuration.
	NetworkingResources = []string{"services", "ingresses.networking.k8s.io", "ingresses.extensions", "gateways.gateway.networking.k8s.io"}
	// CronJobResources are what cronJobConversion converts.
	CronJobResources = []string{"cronjobs.batch"}
)

// Resources returns the resources the rules this configuration turns on can change: a restore item
// action need not be called for any other, and each call costs a gRPC round trip with the item
// serialized both ways in the plugin and in velero server.
//
// The kinds that carry pods (transform.PodCarrierResources) are thousands in a cluster and only the
// image rules, nodePins and pvcRename rewrite them; with none of these on they are left out. The
// always-on backupMarks rule then no longer removes backup.velero.io/must-include-additional-items
// from them: our backup action sets it only on a pod carrier whose PriorityClass the backup's filter
// would drop, and in a restored object Velero reads it never (only a later backup of that object
// would), which is not worth a plugin call per Pod.
func (c Config) Resources() []string {
	out := slices.Concat(StorageResources, NetworkingResources)
	if c.CronJobConversion {
		out = append(out, CronJobResources...)
	}
	if c.rewritesPods() {
		out = append(out, transform.PodCarrierResources...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// rewritesPods reports whether a rule that rewrites pod specs is on.
func (c Config) rewritesPods() bool {
	return len(c.ImageNameMapping) > 0 || len(c.ImageRegistryMapping) > 0 || c.NodePins || c.PVCRename != (PVCRename{})
}
