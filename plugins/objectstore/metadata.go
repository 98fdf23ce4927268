package objectstore

import (
	"encoding/json"
	"fmt"
	"maps"

	velerov1 "github.com/vmware-tanzu/velero/pkg/apis/velero/v1"
)

// maxMetadataBytes bounds the velero-backup.json the plugin edits; Velero's are a few KiB. A larger
// one is passed through untouched rather than held in memory.
const maxMetadataBytes = 64 << 20

// backupMetadata is a velero-backup.json as JSON, every field kept as it came but the annotations.
type backupMetadata struct {
	doc      map[string]json.RawMessage
	metadata map[string]json.RawMessage
	phase    velerov1.BackupPhase
}

func parseBackupMetadata(data []byte) (*backupMetadata, error) {
	m := &backupMetadata{}
	if err := json.Unmarshal(data, &m.doc); err != nil {
		return nil, fmt.Errorf("read velero-backup.json: %w", err)
	}
	if raw, ok := m.doc["metadata"]; ok {
		if err := json.Unmarshal(raw, &m.metadata); err != nil {
			return nil, fmt.Errorf("read velero-backup.json metadata: %w", err)
		}
	}
	if m.metadata == nil {
		m.metadata = map[string]json.RawMessage{}
	}
	var status struct {
		Phase velerov1.BackupPhase `json:"phase"`
	}
	if raw, ok := m.doc["status"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &status); err != nil {
			return nil, fmt.Errorf("read velero-backup.json status: %w", err)
		}
	}
	m.phase = status.Phase
	return m, nil
}

// withAnnotations returns the document with annotations merged into metadata.annotations.
func (m *backupMetadata) withAnnotations(add map[string]string) ([]byte, error) {
	annotations := map[string]string{}
	if raw, ok := m.metadata["annotations"]; ok && string(raw) != "null" {
		if err := json.Unmarshal(raw, &annotations); err != nil {
			return nil, fmt.Errorf("read velero-backup.json annotations: %w", err)
		}
	}
	maps.Copy(annotations, add)
	rawAnnotations, err := json.Marshal(annotations)
	if err != nil {
		return nil, fmt.Errorf("write velero-backup.json annotations: %w", err)
	}
	metadata := maps.Clone(m.metadata)
	metadata["annotations"] = rawAnnotations
	rawMetadata, err := json.Marshal(metadata)
	if err != nil {
		return nil, fmt.Errorf("write velero-backup.json metadata: %w", err)
	}
	doc := maps.Clone(m.doc)
	doc["metadata"] = rawMetadata
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("write velero-backup.json: %w", err)
	}
	return out, nil
}

// ended reports whether the phase is final and the backup has data worth locating.
func ended(p velerov1.BackupPhase) bool {
	return p == velerov1.BackupPhaseCompleted || p == velerov1.BackupPhasePartiallyFailed
}
