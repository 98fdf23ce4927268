package ecs

import (
	"fmt"
	"net/http"
	"time"
)

// diskRequest is a CreateDisk request, or an admin fixture, after parameter decoding.
type diskRequest struct {
	region           *Region
	zoneID           string
	category         string // "" = "cloud", the API default
	performanceLevel string
	size             int32
	sizeSet          bool
	snapshotID       string
	provisionedIops  int64
	iopsSet          bool
	bursting         bool
	burstingSet      bool
	encrypted        bool
	encryptedSet     bool
	kmsKeyID         string
	name             string
	description      string
	tags             []Tag
}

// buildDisk checks a request against the region model and the state, in the order ECS reports problems,
// and returns the disk it would create. Nothing is stored.
func (s *Service) buildDisk(req diskRequest, now time.Time) (*Disk, *apiError) {
	zone, e := s.zoneIn(req.region, req.zoneID)
	if e != nil {
		return nil, e
	}
	category := req.category
	if category == "" {
		category = CategoryCloud
	}
	if !knownCategory(category) {
		return nil, newError(http.StatusBadRequest, "InvalidDiskCategory.ValueNotSupported",
			fmt.Sprintf("The specified parameter DiskCategory %q is not valid.", category))
	}
	if !zone.sells(category) {
		return nil, newError(http.StatusForbidden, "InvalidDataDiskCategory.NotSupported",
			fmt.Sprintf("The specified disk category %s is not supported in zone %s.", category, zone.ID))
	}
	pl, e := performanceLevel(category, req.performanceLevel)
	if e != nil {
		return nil, e
	}
	if category != CategoryAuto && (req.iopsSet || req.burstingSet) {
		return nil, errInvalidParam("ProvisionedIops/BurstingEnabled", "They apply to DiskCategory cloud_auto only, not "+category+".")
	}
	var snap *Snapshot
	if req.snapshotID != "" {
		if snap = s.st.snapshots[req.snapshotID]; snap == nil || snap.Region != req.region.ID {
			return nil, errSnapshotNotFound(req.snapshotID)
		}
		if !snap.available(now) {
			return nil, errIncorrectSnapshotStatus(snap.ID, "it is "+snap.status(now)+" and not yet available")
		}
	}
	size := req.size
	switch {
	case !req.sizeSet && snap == nil:
		return nil, newError(http.StatusBadRequest, "MissingParameter", "The input parameter either SnapshotId or Size should be specified.")
	case !req.sizeSet:
		size = snap.SourceDiskSizeGiB
	}
	if r := sizeLimit(category, pl); size < r.min || size > r.max {
		kind := category
		if pl != "" {
			kind += " " + pl
		}
		return nil, newError(http.StatusBadRequest, "InvalidSize.ValueNotSupported",
			fmt.Sprintf("The specified parameter Size %d is not valid: %s disks take %d to %d GiB.", size, kind, r.min, r.max))
	}
	if snap != nil && size < snap.SourceDiskSizeGiB {
		return nil, newError(http.StatusForbidden, "InvalidDiskSize.TooSmall",
			fmt.Sprintf("Specified disk size %d GiB is less than the size of snapshot %s (%d GiB).", size, snap.ID, snap.SourceDiskSizeGiB))
	}
	encrypted, kms := req.encrypted, req.kmsKeyID
	if snap != nil && snap.Encrypted {
		if req.encryptedSet && !req.encrypted {
			return nil, newError(http.StatusBadRequest, "EncryptedOption.Conflict",
				fmt.Sprintf("Encryption value of disk conflicts with that of snapshot %s, which is encrypted.", snap.ID))
		}
		encrypted = true
		if kms == "" {
			kms = snap.KMSKeyID
		}
	}
	if !encrypted {
		kms = "" // a key means nothing to an unencrypted disk
	}
	d := &Disk{Region: req.region.ID, Zone: zone.ID, Name: req.name, Description: req.description, Category: category,
		PerformanceLevel: pl, SizeGiB: size, Encrypted: encrypted, KMSKeyID: kms, Tags: req.tags, Created: now,
		ReadyAt: now.Add(s.settings.DiskCreateDuration)}
	if category == CategoryAuto {
		d.ProvisionedIops, d.BurstingEnabled = req.provisionedIops, req.bursting
	}
	if snap != nil {
		d.SourceSnapshotID = snap.ID
	}
	return d, nil
}

// performanceLevel checks PerformanceLevel, which only cloud_essd takes (default PL1).
func performanceLevel(category, pl string) (string, *apiError) {
	switch {
	case category != CategoryESSD && pl != "":
		return "", errInvalidParam("PerformanceLevel", "It applies to DiskCategory cloud_essd only, not "+category+".")
	case category != CategoryESSD:
		return "", nil
	case pl == "":
		return defaultPerformanceLevel, nil
	case essdSizeLimits[pl] == (sizeRange{}):
		return "", newError(http.StatusBadRequest, "InvalidPerformanceLevel.Malformed",
			fmt.Sprintf("The specified parameter PerformanceLevel %q is not valid: use PL0, PL1, PL2 or PL3.", pl))
	}
	return pl, nil
}
