// Package datalocation says where each volume of a backup keeps its data outside the vault (an ECS
// snapshot in a region, an HBR snapshot in a Cloud Backup vault) and whether it still exists. The list
// travels as the Backup annotation csdr.io/data-locations, so `velero backup describe` shows it in
// every cluster the backup is synced to. The source cluster's object store writes it when the backup
// ends; csdr-controller in each cluster refreshes State.
package datalocation

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Kind is where the data is.
type Kind string

const (
	// ECSSnapshot is a disk snapshot the VolumeSnapshotter made; ID is the bare s-... ID.
	ECSSnapshot Kind = "ECSSnapshot"
	// HBRSnapshot is a Cloud Backup snapshot of a filesystem volume; Vault names its vault.
	HBRSnapshot Kind = "HBRSnapshot"
)

// State says whether the data was found when last checked.
type State string

const (
	// Exists: the snapshot was there at CheckedAt (or when the backup ended, if CheckedAt is unset).
	Exists State = "Exists"
	// Missing: the cloud answered that the snapshot does not exist; a restore of the volume will fail.
	Missing State = "Missing"
	// Unknown: the last check could not tell (no permission, throttled, region unreachable).
	Unknown State = "Unknown"
)

// Location is one volume's data.
type Location struct {
	// Volume is the claim as <namespace>/<name>, or the PersistentVolume's name when it has no claim.
	Volume string `json:"volume"`
	// PersistentVolume is the volume's PV name, when known.
	PersistentVolume string `json:"pv,omitempty"`
	Kind             Kind   `json:"kind"`
	// ID is the snapshot's ID: s-... for ECS, HBR's snapshot ID for HBR.
	ID     string `json:"id"`
	Region string `json:"region"`
	// Vault and VaultName are the HBR vault (HBRSnapshot only).
	Vault     string `json:"vault,omitempty"`
	VaultName string `json:"vaultName,omitempty"`
	State     State  `json:"state"`
	// CheckedAt is when State was last established, in UTC, to the second.
	CheckedAt *time.Time `json:"checkedAt,omitempty"`
	// Message says why State is Unknown.
	Message string `json:"message,omitempty"`
}

// Encode is the annotation's value: compact JSON, volumes in name order, so equal lists encode equally.
func Encode(locs []Location) (string, error) {
	sorted := append([]Location(nil), locs...)
	sort.SliceStable(sorted, func(i, j int) bool {
		if sorted[i].Volume != sorted[j].Volume {
			return sorted[i].Volume < sorted[j].Volume
		}
		return sorted[i].Kind < sorted[j].Kind
	})
	for i := range sorted {
		if sorted[i].CheckedAt != nil {
			t := sorted[i].CheckedAt.UTC().Truncate(time.Second)
			sorted[i].CheckedAt = &t
		}
	}
	b, err := json.Marshal(sorted)
	if err != nil {
		return "", fmt.Errorf("encode data locations: %w", err)
	}
	return string(b), nil
}

// Decode reads an annotation Encode wrote; "" is no locations.
func Decode(s string) ([]Location, error) {
	if s == "" {
		return nil, nil
	}
	var locs []Location
	if err := json.Unmarshal([]byte(s), &locs); err != nil {
		return nil, fmt.Errorf("decode data locations: %w", err)
	}
	for i, l := range locs {
		if l.Kind != ECSSnapshot && l.Kind != HBRSnapshot {
			return nil, fmt.Errorf("decode data locations: entry %d (%s) has kind %q, want %s or %s", i, l.Volume, l.Kind, ECSSnapshot, HBRSnapshot)
		}
		if l.ID == "" {
			return nil, fmt.Errorf("decode data locations: entry %d (%s) has no id", i, l.Volume)
		}
	}
	return locs, nil
}
