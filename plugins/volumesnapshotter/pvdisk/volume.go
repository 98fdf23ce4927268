// Package pvdisk reads and rewrites the ECS disk a PersistentVolume names: which disk a PV is, and the
// PV a restore creates for a new disk in another zone. It is apart from the snapshotter so that its fuzz
// target compiles the Kubernetes object helpers only, not the cloud SDKs and Velero.
package pvdisk

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/plugins/internal/locationconfig"
)

// VolumeKind is how a PV reaches its disk.
type VolumeKind = alibaba.DiskVia

// Volume kinds.
const (
	CSIVolume  = alibaba.ViaCSI  // spec.csi, driver diskplugin.csi.alibabacloud.com
	FlexVolume = alibaba.ViaFlex // spec.flexVolume, driver alicloud/disk
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

// diskIDOf asks pkg/alibaba, which the restore rules ask too, whether the PV is a disk and which.
func diskIDOf(obj map[string]any) (string, VolumeKind, bool, error) {
	raw, found, err := unstructured.NestedFieldNoCopy(obj, "spec")
	if err != nil || !found || raw == nil {
		return "", "", false, err
	}
	spec, ok := raw.(map[string]any)
	if !ok {
		return "", "", false, fmt.Errorf("spec is %T, not a map", raw)
	}
	// alibaba.Disk passes over a volume source that is not a map; a PV with one was not written by
	// Kubernetes, and it may be a disk.
	for _, source := range []string{"csi", "flexVolume"} {
		if v := spec[source]; v != nil {
			if _, isMap := v.(map[string]any); !isMap {
				return "", "", false, fmt.Errorf("spec.%s is %T, not a map", source, v)
			}
		}
	}
	return alibaba.Disk(spec)
}

// zoneOf reads the PV's zone the way Velero does (labels, then node affinity), with ACK's key first.
// Only "In" with a single zone counts: anything else does not name the disk's zone.
func zoneOf(obj map[string]any) string {
	for _, key := range alibaba.VolumeZoneKeys {
		if zone, _ := nestedString(obj, "metadata", "labels", key); zone != "" {
			return zone
		}
	}
	terms, _ := nestedSlice(obj, "spec", "nodeAffinity", "required", "nodeSelectorTerms")
	for _, key := range alibaba.VolumeZoneKeys {
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
	if !alibaba.ValidDiskID(diskID) {
		return nil, fmt.Errorf("PersistentVolume %q: new disk ID %s is not a disk ID", name, locationconfig.Quote(diskID))
	}
	if !alibaba.ValidRegion(region) || !alibaba.ZoneInRegion(zone, region) {
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
	options[alibaba.FlexDiskIDOption] = diskID
	if _, legacy := options[alibaba.FlexLegacyDiskIDOption]; legacy {
		options[alibaba.FlexLegacyDiskIDOption] = diskID
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
		case slices.Contains(alibaba.VolumeZoneKeys, key):
			labels[key] = zone
		case slices.Contains(alibaba.VolumeRegionKeys, key):
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
		required["nodeSelectorTerms"] = []any{map[string]any{"matchExpressions": []any{inExpression(alibaba.DiskZoneKey, zone)}}}
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
			case slices.Contains(alibaba.VolumeZoneKeys, key):
				exprs[j], hasZone = inExpression(key, zone), true
			case slices.Contains(alibaba.VolumeRegionKeys, key):
				exprs[j] = inExpression(key, region)
			}
		}
		if addZone && !hasZone {
			exprs = append(exprs, inExpression(alibaba.DiskZoneKey, zone))
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
