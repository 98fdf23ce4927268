package ecs

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// Settings are the durations that can change while the emulator runs. They apply to resources created
// afterwards. JSON: {"diskCreateDuration":"500ms","snapshotDuration":"2s"}.
type Settings struct {
	DiskCreateDuration time.Duration // Creating -> Available; 0 = at once
	SnapshotDuration   time.Duration // progressing -> accomplished; 0 = at once
}

type settingsJSON struct {
	DiskCreateDuration json.RawMessage `json:"diskCreateDuration,omitempty"`
	SnapshotDuration   json.RawMessage `json:"snapshotDuration,omitempty"`
}

// MarshalJSON writes the durations as Go duration strings.
func (s Settings) MarshalJSON() ([]byte, error) {
	return json.Marshal(settingsJSON{DiskCreateDuration: svc.QuoteDuration(s.DiskCreateDuration),
		SnapshotDuration: svc.QuoteDuration(s.SnapshotDuration)})
}

// UnmarshalJSON accepts durations as strings or nanoseconds, and changes only the fields present, so
// decoding into the current settings is a partial update. Unknown fields are an error.
func (s *Settings) UnmarshalJSON(data []byte) error {
	var w settingsJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	return svc.SetDurations(svc.DurationSetting{Name: "diskCreateDuration", Raw: w.DiskCreateDuration, Dst: &s.DiskCreateDuration},
		svc.DurationSetting{Name: "snapshotDuration", Raw: w.SnapshotDuration, Dst: &s.SnapshotDuration})
}

// Clock is the ECS clock: the wall clock plus an offset that admin calls advance.
type Clock = svc.Clock

// Stats counts what the service was asked to do since it started.
type Stats = svc.Stats

// Stats returns a snapshot of the request counters.
func (s *Service) Stats() Stats { return s.stats.Snapshot() }
