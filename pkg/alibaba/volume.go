package alibaba

import (
	"fmt"
	"regexp"
	"strconv"
)

// CSI drivers of Alibaba Cloud storage; each is also the provisioner of its StorageClasses.
const (
	DiskCSIDriver = "diskplugin.csi.alibabacloud.com"
	NASCSIDriver  = "nasplugin.csi.alibabacloud.com"
	OSSCSIDriver  = "ossplugin.csi.alibabacloud.com"
)

// FlexVolume drivers of the Alibaba Cloud plugin that ACK ran before CSI.
const (
	FlexDiskDriver = "alicloud/disk"
	FlexNASDriver  = "alicloud/nas"
)

// Options of a FlexVolume disk PV that hold the disk ID: the driver wrote VolumeId in some releases and
// volumeId in others.
const (
	FlexDiskIDOption       = "VolumeId"
	FlexLegacyDiskIDOption = "volumeId"
)

// DiskVia is how a PV reaches its disk.
type DiskVia string

// Ways a PV reaches a disk: the spec field that holds the source.
const (
	ViaCSI  DiskVia = "csi"        // spec.csi, driver DiskCSIDriver
	ViaFlex DiskVia = "flexVolume" // spec.flexVolume, driver FlexDiskDriver
)

// diskIDPattern refuses what cannot be a disk ID (blank, spaces, slashes) without guessing at the ID
// formats ECS may use.
var diskIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]*$`)

// ValidDiskID reports whether id can be an ECS disk ID.
func ValidDiskID(id string) bool { return diskIDPattern.MatchString(id) }

// Disk tells whether a PV spec (the PV's "spec" map, as unstructured decoding leaves it) mounts an ECS
// disk and which: ok is false, with no error, for every other volume. A disk PV that names no usable
// disk is an error: snapshotting or rewriting the wrong disk is worse than failing.
func Disk(spec map[string]any) (id string, via DiskVia, ok bool, err error) {
	if csi, isMap := spec["csi"].(map[string]any); isMap {
		if driver, _ := csi["driver"].(string); driver != DiskCSIDriver {
			return "", "", false, nil
		}
		handle, err := stringField(csi, "volumeHandle")
		if err != nil {
			return "", ViaCSI, false, fmt.Errorf("%s %w", DiskCSIDriver, err)
		}
		if !ValidDiskID(handle) {
			return "", ViaCSI, false, fmt.Errorf("%s volume handle %s is not a disk ID", DiskCSIDriver, quote(handle))
		}
		return handle, ViaCSI, true, nil
	}
	if flex, isMap := spec["flexVolume"].(map[string]any); isMap {
		if driver, _ := flex["driver"].(string); driver != FlexDiskDriver {
			return "", "", false, nil
		}
		options, _ := flex["options"].(map[string]any)
		id, err := FlexDiskID(options)
		if err != nil {
			return "", ViaFlex, false, err
		}
		return id, ViaFlex, true, nil
	}
	return "", "", false, nil
}

// FlexDiskID reads the disk ID from a FlexVolume disk PV's options. Both spellings are read; when both
// are set they must agree, because which one the driver mounts is not ours to guess.
func FlexDiskID(options map[string]any) (string, error) {
	upper, err := stringField(options, FlexDiskIDOption)
	if err != nil {
		return "", fmt.Errorf("%s %w", FlexDiskDriver, err)
	}
	lower, err := stringField(options, FlexLegacyDiskIDOption)
	if err != nil {
		return "", fmt.Errorf("%s %w", FlexDiskDriver, err)
	}
	switch {
	case upper == "" && lower == "":
		return "", fmt.Errorf("%s names no disk: options.%s and options.%s are empty", FlexDiskDriver, FlexDiskIDOption, FlexLegacyDiskIDOption)
	case upper != "" && lower != "" && upper != lower:
		return "", fmt.Errorf("%s options name two disks: %s=%s, %s=%s", FlexDiskDriver,
			FlexDiskIDOption, quote(upper), FlexLegacyDiskIDOption, quote(lower))
	}
	id := upper
	if id == "" {
		id = lower
	}
	if !ValidDiskID(id) {
		return "", fmt.Errorf("%s option %s is not a disk ID: %s", FlexDiskDriver, FlexDiskIDOption, quote(id))
	}
	return id, nil
}

// stringField reads an optional string; any other type is an error, because a PV that carries one was
// not written by Kubernetes.
func stringField(m map[string]any, key string) (string, error) {
	v, found := m[key]
	if !found || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("field %s is %T, not a string", key, v)
	}
	return s, nil
}

// quote renders a value from a PV for an error, bounded: a PV field can be long and is user data.
func quote(s string) string {
	const max = 64
	if len(s) > max {
		return strconv.Quote(s[:max]) + "..."
	}
	return strconv.Quote(s)
}
