package svc

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/faults"
)

// Clock is a service's clock: the wall clock plus an offset that admin calls advance.
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
	return json.Marshal(clockJSON{Now: c.Now.UTC(), Offset: QuoteDuration(c.Offset)})
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

// QuoteDuration writes a duration as a JSON Go duration string, "1m30s".
func QuoteDuration(d time.Duration) json.RawMessage {
	return json.RawMessage(strconv.Quote(d.String()))
}

// DurationSetting is one duration of a settings JSON body: Raw as decoded (empty when absent), Dst the
// setting it changes.
type DurationSetting struct {
	Name string
	Raw  json.RawMessage
	Dst  *time.Duration
}

// SetDurations changes the settings whose durations the body names (strings or nanoseconds) and leaves
// the others, so decoding into the current settings is a partial update.
func SetDurations(settings ...DurationSetting) error {
	for _, f := range settings {
		if len(f.Raw) == 0 {
			continue
		}
		d, err := faults.ParseJSONDuration(f.Raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
		*f.Dst = d
	}
	return nil
}
