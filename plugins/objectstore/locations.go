package objectstore

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/alibaba"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud"
	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/datalocation"
)

// volumeInfo is as much of an entry of Velero's <backup>-volumeinfo.json.gz (BackupVolumeInfo,
// internal/volume in Velero 1.18) as locates a native snapshot.
type volumeInfo struct {
	PVCName            string              `json:"pvcName"`
	PVCNamespace       string              `json:"pvcNamespace"`
	PVName             string              `json:"pvName"`
	BackupMethod       string              `json:"backupMethod"`
	NativeSnapshotInfo *nativeSnapshotInfo `json:"nativeSnapshotInfo"`
}

type nativeSnapshotInfo struct {
	SnapshotHandle string `json:"snapshotHandle"`
	Phase          string `json:"Phase"` // Velero writes it without a json tag
}

// volumeSnapshot is as much of an entry of <backup>-volumesnapshots.json.gz (Velero's volume.Snapshot)
// as locates it; backups made before Velero 1.13 have only this file.
type volumeSnapshot struct {
	Spec struct {
		PersistentVolumeName string `json:"persistentVolumeName"`
	} `json:"spec"`
	Status struct {
		ProviderSnapshotID string `json:"providerSnapshotID"`
		Phase              string `json:"phase"`
	} `json:"status"`
}

const (
	nativeSnapshotMethod = "NativeSnapshot"
	snapshotFailed       = "Failed"
	// maxVolumeFile bounds the decompressed volume files read; 64 MiB is some 100,000 volumes.
	maxVolumeFile = 64 << 20
)

var ecsSnapshotPattern = regexp.MustCompile(`^s-[A-Za-z0-9]+$`)

// ecsSnapshot reads an ID the VolumeSnapshotter wrote ("cn-hangzhou/s-...", or a bare "s-..." of the
// existing plugin, in defaultRegion); ok is false for another provider's ID.
func ecsSnapshot(id, defaultRegion string) (region, snapshot string, ok bool) {
	region, snapshot, qualified := strings.Cut(id, "/")
	if !qualified {
		region, snapshot = defaultRegion, id
	}
	return region, snapshot, ecsSnapshotPattern.MatchString(snapshot) && alibaba.ValidRegion(region)
}

func ecsFromVolumeInfo(infos []volumeInfo, defaultRegion string) []datalocation.Location {
	var out []datalocation.Location
	for _, vi := range infos {
		if vi.BackupMethod != nativeSnapshotMethod || vi.NativeSnapshotInfo == nil || vi.NativeSnapshotInfo.Phase == snapshotFailed {
			continue
		}
		region, id, ok := ecsSnapshot(vi.NativeSnapshotInfo.SnapshotHandle, defaultRegion)
		if !ok {
			continue
		}
		volume := vi.PVName
		if vi.PVCName != "" {
			volume = vi.PVCNamespace + "/" + vi.PVCName
		}
		out = append(out, datalocation.Location{Volume: volume, PersistentVolume: vi.PVName, Kind: datalocation.ECSSnapshot, ID: id, Region: region})
	}
	return out
}

func ecsFromVolumeSnapshots(snaps []volumeSnapshot, defaultRegion string) []datalocation.Location {
	var out []datalocation.Location
	for _, s := range snaps {
		if s.Status.Phase == snapshotFailed {
			continue
		}
		region, id, ok := ecsSnapshot(s.Status.ProviderSnapshotID, defaultRegion)
		if !ok {
			continue
		}
		pv := s.Spec.PersistentVolumeName
		out = append(out, datalocation.Location{Volume: pv, PersistentVolume: pv, Kind: datalocation.ECSSnapshot, ID: id, Region: region})
	}
	return out
}

// dataLocations are where the backup's volumes keep their data, as known when it ends: its ECS
// snapshots from the files Velero wrote to the vault, its HBR snapshots from this cluster's records.
func (v *sharedVault) dataLocations(ctx context.Context, backup string) ([]datalocation.Location, error) {
	var locs []datalocation.Location
	var infos []volumeInfo
	found, err := v.readVolumeFile(ctx, backup, backup+"-volumeinfo.json.gz", &infos)
	switch {
	case err != nil:
		return nil, err
	case found:
		locs = ecsFromVolumeInfo(infos, v.region)
	default:
		var snaps []volumeSnapshot
		if _, err := v.readVolumeFile(ctx, backup, backup+"-volumesnapshots.json.gz", &snaps); err != nil {
			return nil, err
		}
		locs = ecsFromVolumeSnapshots(snaps, v.region)
	}
	fs, err := v.cluster.FilesystemLocations(ctx, backup)
	if err != nil {
		return nil, fmt.Errorf("find the HBR snapshots of backup %q: %w", backup, err)
	}
	now := v.now().UTC().Truncate(time.Second)
	locs = append(locs, fs...)
	for i := range locs {
		locs[i].State, locs[i].CheckedAt = datalocation.Exists, &now
	}
	return locs, nil
}

// readVolumeFile decodes one of Velero's gzipped JSON files of the backup; found is false when
// Velero did not write it.
func (v *sharedVault) readVolumeFile(ctx context.Context, backup, file string, into any) (bool, error) {
	key := v.index.Layout.VeleroBackups() + backup + "/" + file
	rc, err := v.client.GetObject(ctx, v.bucket, key)
	if errors.Is(err, cloud.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	defer rc.Close()
	zr, err := gzip.NewReader(rc)
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	data, err := io.ReadAll(io.LimitReader(zr, maxVolumeFile+1))
	if err == nil && len(data) > maxVolumeFile {
		err = fmt.Errorf("larger than %d MiB", maxVolumeFile>>20)
	}
	if err == nil {
		err = json.Unmarshal(data, into)
	}
	if err != nil {
		return false, fmt.Errorf("read %s: %w", key, err)
	}
	return true, nil
}
