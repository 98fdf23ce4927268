package volumesnapshotter

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/locationconfig"
)

// Drivers of PVs that are ECS disks.
const (
	csiDiskDriver  = "diskplugin.csi.alibabacloud.com"
	flexDiskDriver = "alicloud/disk"
)

// diskZoneKey is the topology key ACK's disk CSI driver puts on nodes and on the PVs it provisions.
// Velero does not know it, so for most ACK PVs the volumeAZ Velero passes is empty.
const diskZoneKey = "topology.diskplugin.csi.alibabacloud.com/zone"

// Label and node-affinity keys that say which zone or region a PV's disk is in, most specific first.
var (
	pvZoneKeys   = []string{diskZoneKey, corev1.LabelTopologyZone, corev1.LabelFailureDomainBetaZone}
	pvRegionKeys = []string{"topology.diskplugin.csi.alibabacloud.com/region", corev1.LabelTopologyRegion, corev1.LabelFailureDomainBetaRegion}
)

// Flex options that hold the disk ID; older PVs spell it volumeId.
const (
	flexVolumeIDOption       = "VolumeId"
	flexLegacyVolumeIDOption = "volumeId"
)

// diskIDPattern refuses what cannot be a disk ID (blank, spaces, slashes) without guessing at the
// ID formats ECS may use.
var diskIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// VolumeKind is how a PV reaches its disk.
type VolumeKind string

// Volume kinds.
const (
	CSIVolume  VolumeKind = "csi"        // spec.csi, driver diskplugin.csi.alibabacloud.com
	FlexVolume VolumeKind = "flexVolume" // spec.flexVolume, driver alicloud/disk
)

// Volume is the ECS disk behind a PV.
type Volume struct {
	DiskID string
	Kind   VolumeKind
	// Zone is the zone the PV says the disk is in (labels first, then node affinity); "" if it does
	// not say. A hint: the disk itself is the authority.
	Zone string
}

// DiskOf tells whether pv is an ECS disk PV and which disk. Any other PV (NAS, OSS, other clouds,
// hostPath, local, NFS...) is ok=false with no error: Velero logs a GetVolumeID error at error level,
// which makes the whole backup PartiallyFailed. A disk PV that names no disk is an error.
func DiskOf(pv runtime.Unstructured) (vol Volume, ok bool, err error) {
	if u, isPointer := pv.(*unstructured.Unstructured); pv == nil || (isPointer && u == nil) {
		return Volume{}, false, errors.New("no PersistentVolume")
	}
	obj := pv.UnstructuredContent()
	id, kind, ok, err := diskIDOf(obj)
	if err != nil {
		return Volume{}, false, fmt.Errorf("PersistentVolume %q: %w", pvName(obj), err)
	}
	if !ok {
		return Volume{}, false, nil
	}
	return Volume{DiskID: id, Kind: kind, Zone: zoneOf(obj)}, true, nil
}

func diskIDOf(obj map[string]any) (string, VolumeKind, bool, error) {
	csiDriver, err := nestedString(obj, "spec", "csi", "driver")
	if err != nil {
		return "", "", false, err
	}
	if csiDriver == csiDiskDriver {
		id, err := csiDiskID(obj)
		return id, CSIVolume, err == nil, err
	}
	flexDriver, err := nestedString(obj, "spec", "flexVolume", "driver")
	if err != nil {
		return "", "", false, err
	}
	if flexDriver == flexDiskDriver {
		id, err := flexDiskID(obj)
		return id, FlexVolume, err == nil, err
	}
	return "", "", false, nil
}

func csiDiskID(obj map[string]any) (string, error) {
	handle, err := nestedString(obj, "spec", "csi", "volumeHandle")
	if err != nil {
		return "", err
	}
	if !diskIDPattern.MatchString(handle) {
		return "", fmt.Errorf("%s volume handle %s is not a disk ID", csiDiskDriver, locationconfig.Quote(handle))
	}
	return handle, nil
}

func flexDiskID(obj map[string]any) (string, error) {
	upper, err := nestedString(obj, "spec", "flexVolume", "options", flexVolumeIDOption)
	if err != nil {
		return "", err
	}
	lower, err := nestedString(obj, "spec", "flexVolume", "options", flexLegacyVolumeIDOption)
	if err != nil {
		return "", err
	}
	id := upper
	switch {
	case upper == "":
		id = lower
	case lower != "" && lower != upper:
		// Which one the driver mounts is not ours to guess, and snapshotting the wrong disk is worse
		// than failing.
		return "", fmt.Errorf("%s options name two disks: %s=%s, %s=%s", flexDiskDriver,
			flexVolumeIDOption, locationconfig.Quote(upper), flexLegacyVolumeIDOption, locationconfig.Quote(lower))
	}
	if !diskIDPattern.MatchString(id) {
		return "", fmt.Errorf("%s option %s is not a disk ID: %s", flexDiskDriver, flexVolumeIDOption, locationconfig.Quote(id))
	}
	return id, nil
}

// zoneOf reads the PV's zone the way Velero does (labels, then node affinity), with ACK's key first.
// Only "In" with a single zone counts: anything else does not name the disk's zone.
func zoneOf(obj map[string]any) string {
	for _, key := range pvZoneKeys {
		if zone, _ := nestedString(obj, "metadata", "labels", key); zone != "" {
			return zone
		}
	}
	terms, _ := nestedSlice(obj, "spec", "nodeAffinity", "required", "nodeSelectorTerms")
	for _, key := range pvZoneKeys {
		for _, term := range terms {
			for _, expr := range termExpressions(term) {
				if expr["key"] != key || expr["operator"] != string(corev1.NodeSelectorOpIn) {
					continue
				}
				if values, _ := expr["values"].([]any); len(values) == 1 {
					if zone, _ := values[0].(string); zone != "" {
						return zone
					}
				}
			}
		}
	}
	return ""
}

// SetDisk returns a copy of a disk PV that points at diskID and is placed in zone and region: the
// disk source is rewritten, and so are the zone and region labels and node-affinity expressions, so
// pods schedule where the disk can attach. pv is not modified.
//
// The PV keeps its name, although ACK names dynamically provisioned PVs after their disks. Velero
// follows a rename done here only within the restore that does it (restore.go's renamedPVs rewrites
// the PVC's spec.volumeName): a claim restored by a later restore, or applied by other tooling, still
// names the PV recorded in the backup and would stay Pending for good.
func SetDisk(pv runtime.Unstructured, diskID, zone, region string) (*unstructured.Unstructured, error) {
	vol, ok, err := DiskOf(pv)
	if err != nil {
		return nil, err
	}
	name := pvName(pv.UnstructuredContent())
	if !ok {
		return nil, fmt.Errorf("PersistentVolume %q is not an Alibaba Cloud disk volume", name)
	}
	if !diskIDPattern.MatchString(diskID) {
		return nil, fmt.Errorf("PersistentVolume %q: new disk ID %s is not a disk ID", name, locationconfig.Quote(diskID))
	}
	if !locationRegionPattern.MatchString(region) || !zoneInRegion(zone, region) {
		return nil, fmt.Errorf("PersistentVolume %q: new disk's zone %s is not a zone of region %s",
			name, locationconfig.Quote(zone), locationconfig.Quote(region))
	}
	out, err := copyObject(pv)
	if err != nil {
		return nil, fmt.Errorf("PersistentVolume %q: %w", name, err)
	}
	if err := pointAtDisk(out.Object, vol.Kind, diskID); err != nil {
		return nil, fmt.Errorf("PersistentVolume %q: %w", name, err)
	}
	if err := moveLabels(out.Object, zone, region); err != nil {
		return nil, fmt.Errorf("PersistentVolume %q: %w", name, err)
	}
	// A CSI PV without a zone constraint gets ACK's; a Flex PV does not, as Flex nodes need not carry
	// the CSI driver's label. The scheduler places Flex disks by the zone labels moved above.
	if err := moveNodeAffinity(out.Object, zone, region, vol.Kind == CSIVolume); err != nil {
		return nil, fmt.Errorf("PersistentVolume %q: %w", name, err)
	}
	return out, nil
}

// copyObject deep-copies through JSON: unlike DeepCopyJSON it cannot panic on a value of a non-JSON
// Go type, and numbers come back as int64 as Kubernetes decodes them.
func copyObject(pv runtime.Unstructured) (*unstructured.Unstructured, error) {
	data, err := json.Marshal(pv.UnstructuredContent())
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	var obj map[string]any
	if err := utiljson.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	return &unstructured.Unstructured{Object: obj}, nil
}

func pointAtDisk(obj map[string]any, kind VolumeKind, diskID string) error {
	if kind == CSIVolume {
		return unstructured.SetNestedField(obj, diskID, "spec", "csi", "volumeHandle")
	}
	options, err := childMap(obj, "spec", "flexVolume", "options")
	if err != nil {
		return err
	}
	options[flexVolumeIDOption] = diskID
	if _, legacy := options[flexLegacyVolumeIDOption]; legacy {
		options[flexLegacyVolumeIDOption] = diskID
	}
	return nil
}

// moveLabels rewrites the zone and region labels the PV has; it adds none.
func moveLabels(obj map[string]any, zone, region string) error {
	raw, found, err := unstructured.NestedFieldNoCopy(obj, "metadata", "labels")
	if err != nil || !found || raw == nil {
		return err
	}
	labels, ok := raw.(map[string]any)
	if !ok {
		return fmt.Errorf("metadata.labels is %T, not a map", raw)
	}
	for key := range labels {
		switch {
		case slices.Contains(pvZoneKeys, key):
			labels[key] = zone
		case slices.Contains(pvRegionKeys, key):
			labels[key] = region
		}
	}
	return nil
}

// moveNodeAffinity points every required zone or region expression at the new zone or region, as
// "In": a NotIn or Exists left as it was could exclude the very zone the disk is now in. Other
// expressions (kubernetes.io/hostname, ...) stay. With addZone, each term that has no zone expression
// gets ACK's, and a PV with no term gets one: terms are alternatives, so every one must require the zone.
func moveNodeAffinity(obj map[string]any, zone, region string, addZone bool) error {
	terms, err := nestedSlice(obj, "spec", "nodeAffinity", "required", "nodeSelectorTerms")
	if err != nil {
		return err
	}
	if len(terms) == 0 {
		if !addZone {
			return nil
		}
		required, err := childMap(obj, "spec", "nodeAffinity", "required")
		if err != nil {
			return err
		}
		required["nodeSelectorTerms"] = []any{map[string]any{"matchExpressions": []any{inExpression(diskZoneKey, zone)}}}
		return nil
	}
	for i, raw := range terms {
		term, ok := raw.(map[string]any)
		if !ok {
			return fmt.Errorf("spec.nodeAffinity.required.nodeSelectorTerms[%d] is %T, not a map", i, raw)
		}
		exprs, ok := term["matchExpressions"].([]any)
		if !ok && term["matchExpressions"] != nil {
			return fmt.Errorf("spec.nodeAffinity.required.nodeSelectorTerms[%d].matchExpressions is %T, not a list", i, term["matchExpressions"])
		}
		hasZone := false
		for j, rawExpr := range exprs {
			expr, ok := rawExpr.(map[string]any)
			if !ok {
				return fmt.Errorf("spec.nodeAffinity.required.nodeSelectorTerms[%d].matchExpressions[%d] is %T, not a map", i, j, rawExpr)
			}
			key, _ := expr["key"].(string)
			switch {
			case slices.Contains(pvZoneKeys, key):
				exprs[j], hasZone = inExpression(key, zone), true
			case slices.Contains(pvRegionKeys, key):
				exprs[j] = inExpression(key, region)
			}
		}
		if addZone && !hasZone {
			exprs = append(exprs, inExpression(diskZoneKey, zone))
		}
		if exprs != nil {
			term["matchExpressions"] = exprs
		}
	}
	return nil
}

func inExpression(key, value string) map[string]any {
	return map[string]any{"key": key, "operator": string(corev1.NodeSelectorOpIn), "values": []any{value}}
}

// termExpressions is a node selector term's expressions that are maps; for reading only.
func termExpressions(term any) []map[string]any {
	m, _ := term.(map[string]any)
	raw, _ := m["matchExpressions"].([]any)
	exprs := make([]map[string]any, 0, len(raw))
	for _, e := range raw {
		if expr, ok := e.(map[string]any); ok {
			exprs = append(exprs, expr)
		}
	}
	return exprs
}

// nestedString is unstructured.NestedString, but an absent or null field is "" and not an error.
func nestedString(obj map[string]any, fields ...string) (string, error) {
	raw, found, err := unstructured.NestedFieldNoCopy(obj, fields...)
	if err != nil || !found || raw == nil {
		return "", err
	}
	s, ok := raw.(string)
	if !ok {
		return "", fmt.Errorf("%s is %T, not a string", strings.Join(fields, "."), raw)
	}
	return s, nil
}

// nestedSlice reads a list without copying it; absent or null is nil.
func nestedSlice(obj map[string]any, fields ...string) ([]any, error) {
	raw, found, err := unstructured.NestedFieldNoCopy(obj, fields...)
	if err != nil || !found || raw == nil {
		return nil, err
	}
	s, ok := raw.([]any)
	if !ok {
		return nil, fmt.Errorf("%s is %T, not a list", strings.Join(fields, "."), raw)
	}
	return s, nil
}

// childMap returns the map at fields, creating the missing or null ones on the way.
func childMap(obj map[string]any, fields ...string) (map[string]any, error) {
	m := obj
	for i, f := range fields {
		switch next := m[f].(type) {
		case map[string]any:
			m = next
		case nil:
			child := map[string]any{}
			m[f], m = child, child
		default:
			return nil, fmt.Errorf("%s is %T, not a map", strings.Join(fields[:i+1], "."), next)
		}
	}
	return m, nil
}

func pvName(obj map[string]any) string {
	name, _ := nestedString(obj, "metadata", "name")
	return name
}
