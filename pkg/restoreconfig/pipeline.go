package restoreconfig

import (
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/transform"
)

// Cluster is what the pipeline needs to know about the target cluster, read once per restore.
type Cluster struct {
	StorageClasses map[string]transform.StorageClass
	Nodes          []string
	// Zones are the distinct zones the nodes are in; more than one makes the cluster multi-zoned.
	Zones []string
	// ServedAPIVersions holds the group/versions the API server serves (networking.k8s.io/v1, ...).
	ServedAPIVersions map[string]bool
	// UsedNodePorts maps the NodePorts already allocated to the "namespace/name" of their Service.
	UsedNodePorts map[int64]string
}

// Restore is what the pipeline needs to know about the restore itself.
type Restore struct {
	PreserveNodePorts bool
}

// Pipeline builds the rules this configuration turns on, in their one defined order, and checks them
// against the target cluster. replaced carries the PVs the storage rules decide not to restore over to
// their claims, which Velero restores later in the same restore.
func (c Config) Pipeline(cluster Cluster, restore Restore, replaced transform.PVReplacements) (transform.Pipeline, error) {
	p := transform.Pipeline{transform.NewBackupMarks()}
	fail := func(key string, err error) (transform.Pipeline, error) {
		return nil, &Error{ConfigMap: c.Origin(key), Rule: key, Err: err}
	}
	// The storage rules share what they know of the target's classes and learn, as the restore goes,
	// the classes and volumes it brings.
	storage := transform.NewStorageFacts(cluster.StorageClasses)
	if len(c.ImageNameMapping) > 0 {
		r, err := transform.NewImageNameMapping(c.ImageNameMapping)
		if err != nil {
			return fail(KeyImageNameMapping, err)
		}
		p = append(p, r)
	}
	if len(c.ImageRegistryMapping) > 0 {
		r, err := transform.NewImageRegistryMapping(c.ImageRegistryMapping)
		if err != nil {
			return fail(KeyImageRegistryMapping, err)
		}
		p = append(p, r)
	}
	if c.NodePins {
		p = append(p, transform.NewNodePins(cluster.Nodes))
	}
	if len(c.StorageClassMapping) > 0 {
		r, err := transform.NewStorageClassConversion(c.StorageClassMapping, storage,
			len(cluster.Zones) > 1, replaced)
		if err != nil {
			return fail(KeyStorageClassMapping, err)
		}
		p = append(p, r)
	}
	r, err := transform.NewAccessModes(c.AccessModeMapping, storage)
	if err != nil {
		return fail(KeyAccessModeMapping, err)
	}
	p = append(p, r)
	if c.DiskMinimumSize {
		p = append(p, transform.NewDiskMinimumSize(storage))
	}
	p = append(p, transform.NewBoundClaims(storage), transform.NewStorageFactsRecorder(storage))
	if c.PVCRename != (PVCRename{}) {
		r, err := transform.NewPVCRename(c.PVCRename.Prefix, c.PVCRename.Suffix)
		if err != nil {
			return fail(KeyPVCRename, err)
		}
		p = append(p, r)
	}
	if c.IngressConversion {
		p = append(p, transform.NewIngressConversion(cluster.ServedAPIVersions))
	}
	if c.CronJobConversion {
		p = append(p, transform.NewCronJobConversion(cluster.ServedAPIVersions))
	}
	s, err := transform.NewServices(transform.ServiceOptions{
		NodePorts:         c.Services.NodePorts,
		PreserveNodePorts: restore.PreserveNodePorts,
		UsedNodePorts:     cluster.UsedNodePorts,
	})
	if err != nil {
		return fail(KeyServices, err)
	}
	return append(p, s), nil
}
