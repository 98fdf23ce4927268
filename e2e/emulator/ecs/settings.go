package ecs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
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
	return json.Marshal(settingsJSON{DiskCreateDuration: quoteDuration(s.DiskCreateDuration),
		SnapshotDuration: quoteDuration(s.SnapshotDuration)})
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
	for _, f := range []struct {
		raw  json.RawMessage
		dst  *time.Duration
		name string
	}{{w.DiskCreateDuration, &s.DiskCreateDuration, "diskCreateDuration"}, {w.SnapshotDuration, &s.SnapshotDuration, "snapshotDuration"}} {
		if len(f.raw) == 0 {
			continue
		}
		d, err := faults.ParseJSONDuration(f.raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		*f.dst = d
	}
	return nil
}

func quoteDuration(d time.Duration) json.RawMessage {
	return json.RawMessage(strconv.Quote(d.String()))
}

// Clock is the ECS clock: the wall clock plus an offset that admin calls advance.
// JSON: {"now":"2030-01-02T03:04:05.123Z","offset":"720h0m0s"}.
type Clock struct {
	Now    time.Time
	Offset time.Duration
}

type clockJSON struct {
	Now    time.Time       `json:"now"`
	Offset json.RawMessage `json:"offset"`
}

// MarshalJSON writes Offset as a Go duration string.
func (c Clock) MarshalJSON() ([]byte, error) {
	return json.Marshal(clockJSON{Now: c.Now.UTC(), Offset: quoteDuration(c.Offset)})
}

// UnmarshalJSON accepts Offset as a duration string or nanoseconds.
func (c *Clock) UnmarshalJSON(data []byte) error {
	var w clockJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	d, err := faults.ParseJSONDuration(w.Offset)
	if err != nil {
		return fmt.Errorf("clock offset: %w", err)
	}
	*c = Clock{Now: w.Now, Offset: d}
	return nil
}

// Stats counts what the service was asked to do since it started.
type Stats = svc.Stats

// Stats returns a snapshot of the request counters.
func (s *Service) Stats() Stats { return s.stats.Snapshot() }
