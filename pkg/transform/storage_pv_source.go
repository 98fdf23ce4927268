package transform

import (
	"fmt"
	"maps"
	"slices"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// medium is what a PV's data lives on, as far as reaching it from Alibaba Cloud is concerned.
type medium int

const (
	// mediumUnreachable is data an Alibaba Cloud disk or NAS class cannot open: another cloud's volume,
	// a Ceph cluster, a directory on a node of the source cluster.
	mediumUnreachable medium = iota
	// mediumDisk is an Alibaba Cloud disk, through CSI or FlexVolume.
	mediumDisk
	// mediumNFS is a file system served over NFS: Alibaba Cloud NAS (CSI or FlexVolume) or a plain NFS
	// export, which the NAS CSI driver mounts the same way.
	mediumNFS
)

// pvSource is a PV's volume source.
type pvSource struct {
	kind medium
	// field is the PV spec field holding the source ("csi", "flexVolume", "nfs", …).
	field string
	// desc names the source and its volume for notes, e.g. "CSI driver ebs.csi.aws.com volume vol-1".
	desc string
}

// alibabaCSI reports whether the source already is the Alibaba Cloud CSI driver for its medium.
func (s pvSource) alibabaCSI() bool { return s.field == "csi" && s.kind != mediumUnreachable }

// inTreeIDs names, for the in-tree volume sources a PV may carry, the field that identifies the volume.
var inTreeIDs = map[string]string{
	"awsElasticBlockStore": "volumeID",
	"gcePersistentDisk":    "pdName",
	"azureDisk":            "diskName",
	"azureFile":            "shareName",
	"cinder":               "volumeID",
	"cephfs":               "path",
	"rbd":                  "image",
	"iscsi":                "iqn",
	"fc":                   "wwids",
	"glusterfs":            "path",
	"hostPath":             "path",
	"local":                "path",
	"portworxVolume":       "volumeID",
	"vsphereVolume":        "volumePath",
	"photonPersistentDisk": "pdID",
	"quobyte":              "volume",
	"scaleIO":              "volumeName",
	"storageos":            "volumeName",
	"flocker":              "datasetName",
}

func pvSourceOf(spec map[string]any) pvSource {
	if csi, ok := spec["csi"].(map[string]any); ok {
		driver, _ := csi["driver"].(string)
		src := pvSource{field: "csi", desc: fmt.Sprintf("CSI driver %s volume %s", driver, pvScalar(csi["volumeHandle"]))}
		switch driver {
		case DiskProvisioner:
			src.kind = mediumDisk
		case NASProvisioner:
			src.kind = mediumNFS
		}
		return src
	}
	if flex, ok := spec["flexVolume"].(map[string]any); ok {
		driver, _ := flex["driver"].(string)
		src := pvSource{field: "flexVolume", desc: "FlexVolume driver " + driver}
		switch driver {
		case alibaba.FlexDiskDriver:
			src.kind = mediumDisk
			opts, _ := flex["options"].(map[string]any)
			// A disk PV that names no single disk is refused where it is rewritten (flexDiskToCSI).
			id, _ := alibaba.FlexDiskID(opts)
			src.desc += " volume " + id
		case alibaba.FlexNASDriver:
			src.kind = mediumNFS
			opts, _ := flex["options"].(map[string]any)
			src.desc += " export " + pvScalar(opts["server"]) + ":" + pvScalar(opts["path"])
		}
		return src
	}
	if nfs, ok := spec["nfs"].(map[string]any); ok {
		return pvSource{kind: mediumNFS, field: "nfs", desc: "NFS export " + pvScalar(nfs["server"]) + ":" + pvScalar(nfs["path"])}
	}
	for _, f := range slices.Sorted(maps.Keys(inTreeIDs)) {
		if src, ok := spec[f].(map[string]any); ok {
			return pvSource{field: f, desc: fmt.Sprintf("%s volume %s", f, pvScalar(src[inTreeIDs[f]]))}
		}
	}
	return pvSource{desc: "a volume source this plugin does not know"}
}

// str renders a scalar from an unstructured object; lists (such as fc.wwids) are rendered as Go does.
func pvScalar(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	return fmt.Sprint(v)
}
