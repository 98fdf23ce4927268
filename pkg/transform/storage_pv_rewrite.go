package transform

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
)

// defaultFlexFSType is the file system the FlexVolume disk driver formatted disks with when a PV named none.
const defaultFlexFSType = "ext4"

// flexDiskToCSI rewrites a FlexVolume disk PV as the CSI disk PV ACK provisions: same disk, same file
// system. It returns what it did, for a note.
func flexDiskToCSI(pvName string, spec map[string]any) (string, error) {
	flex, _ := spec["flexVolume"].(map[string]any)
	opts, _ := flex["options"].(map[string]any)
	id, err := alibaba.FlexDiskID(opts)
	if err != nil {
		return "", fmt.Errorf("PV %s: FlexVolume %w", pvName, err)
	}
	fsType := pvScalar(flex["fsType"])
	if fsType == "" {
		fsType = defaultFlexFSType
	}
	csi := map[string]any{"driver": DiskProvisioner, "volumeHandle": id, "fsType": fsType}
	if ro, _ := flex["readOnly"].(bool); ro {
		csi["readOnly"] = true
	}
	delete(spec, "flexVolume")
	spec["csi"] = csi
	note := fmt.Sprintf("FlexVolume %s volume %s rewritten as CSI %s volume %s (fsType %s), because ACK serves disks through CSI only",
		alibaba.FlexDiskDriver, id, DiskProvisioner, id, fsType)
	if dropped := keepDiskZoneAffinity(spec); dropped != "" {
		note += "; node affinity on " + dropped + " dropped, the disk's zone is kept"
	}
	return note, nil
}

// nfsToNASCSI rewrites a FlexVolume NAS or in-tree NFS PV as a static NAS CSI PV on the same export:
// NAS speaks NFS, so the NAS driver mounts any export the nodes can reach. The attribute names are the
// ones the NAS driver reads from a PV's volumeAttributes.
func nfsToNASCSI(pvName string, spec map[string]any, src pvSource) (string, error) {
	attrs := map[string]any{}
	var readOnly bool
	switch src.field {
	case "flexVolume":
		flex, _ := spec["flexVolume"].(map[string]any)
		readOnly, _ = flex["readOnly"].(bool)
		opts, _ := flex["options"].(map[string]any)
		for _, key := range []string{"server", "path", "vers", "mode", "modeType", "options"} {
			if v := pvScalar(opts[key]); v != "" {
				attrs[key] = v
			}
		}
	case "nfs":
		nfs, _ := spec["nfs"].(map[string]any)
		readOnly, _ = nfs["readOnly"].(bool)
		for _, key := range []string{"server", "path"} {
			if v := pvScalar(nfs[key]); v != "" {
				attrs[key] = v
			}
		}
	}
	if attrs["server"] == nil {
		return "", fmt.Errorf("PV %s: %s names no NFS server", pvName, src.desc)
	}
	if attrs["path"] == nil {
		attrs["path"] = "/"
	}
	csi := map[string]any{"driver": NASProvisioner, "volumeHandle": pvName, "volumeAttributes": attrs}
	if readOnly {
		csi["readOnly"] = true
	}
	delete(spec, src.field)
	spec["csi"] = csi
	note := fmt.Sprintf("%s rewritten as CSI %s volume %s on %s:%s, because ACK mounts NAS and NFS through CSI",
		src.desc, NASProvisioner, pvName, attrs["server"], attrs["path"])
	if _, ok := spec["nodeAffinity"]; ok {
		delete(spec, "nodeAffinity")
		note += "; node affinity dropped, every node of the VPC reaches the export"
	}
	return note, nil
}

// keepDiskZoneAffinity reduces a PV's required node affinity to its zone requirements: a disk can be
// attached to any node of its zone, and host names or labels of the source cluster match nothing in the
// target. A term left without a zone requirement means the PV was never zone-bound, so the affinity goes.
// It returns the keys it dropped, "" when it changed nothing.
func keepDiskZoneAffinity(spec map[string]any) string {
	affinity, _ := spec["nodeAffinity"].(map[string]any)
	required, _ := affinity["required"].(map[string]any)
	terms, _ := required["nodeSelectorTerms"].([]any)
	if len(terms) == 0 {
		return ""
	}
	dropped := map[string]bool{}
	kept := make([]any, 0, len(terms))
	unbound := false
	for _, t := range terms {
		term, _ := t.(map[string]any)
		exprs, _ := term["matchExpressions"].([]any)
		var zone []any
		for _, e := range exprs {
			expr, _ := e.(map[string]any)
			if key := pvScalar(expr["key"]); slices.Contains(alibaba.VolumeZoneKeys, key) {
				zone = append(zone, e)
			} else {
				dropped[key] = true
			}
		}
		if fields, _ := term["matchFields"].([]any); len(fields) > 0 {
			for _, f := range fields {
				field, _ := f.(map[string]any)
				dropped[pvScalar(field["key"])] = true
			}
		}
		if len(zone) == 0 {
			unbound = true
			continue
		}
		kept = append(kept, map[string]any{"matchExpressions": zone})
	}
	if len(dropped) == 0 && !unbound {
		return ""
	}
	if unbound {
		delete(spec, "nodeAffinity")
	} else {
		required["nodeSelectorTerms"] = kept
	}
	keys := slices.Sorted(maps.Keys(dropped))
	if len(keys) == 0 {
		return "an empty selector term"
	}
	return strings.Join(keys, ", ")
}
