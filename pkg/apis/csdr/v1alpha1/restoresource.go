package v1alpha1

import (
	"encoding/json"
	"fmt"
)

// MarshalAnnotation renders the source as the value of HBRSnapshotAnnotation.
func (s RestoreSource) MarshalAnnotation() (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

// ParseRestoreSource reads an HBRSnapshotAnnotation value and checks that it names a snapshot
// completely.
func ParseRestoreSource(value string) (RestoreSource, error) {
	var s RestoreSource
	if err := json.Unmarshal([]byte(value), &s); err != nil {
		return RestoreSource{}, fmt.Errorf("annotation %s is not a snapshot reference: %w", HBRSnapshotAnnotation, err)
	}
	switch {
	case s.Region == "" || s.VaultID == "":
		return RestoreSource{}, fmt.Errorf("annotation %s names no region and vault", HBRSnapshotAnnotation)
	case s.SnapshotID == "" || s.SnapshotHash == "":
		return RestoreSource{}, fmt.Errorf("annotation %s names no snapshot ID and hash", HBRSnapshotAnnotation)
	case s.Backup.Name == "" || s.Claim.Name == "" || s.Claim.Namespace == "":
		return RestoreSource{}, fmt.Errorf("annotation %s names no backup and claim", HBRSnapshotAnnotation)
	}
	return s, nil
}
