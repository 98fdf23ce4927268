package hbr

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/e2e/emulator/svc"
)

// Settings can change while the emulator runs; they apply to jobs and vaults created afterwards.
// JSON: {"throughput":"50MiB/s","jobStartDelay":"1s","vaultInitDelay":"500ms","activated":true}; a
// throughput may also be a number of bytes per second, 0 = unlimited.
type Settings struct {
	Throughput     int64         // bytes per second a job reads or writes; 0 = unlimited
	JobStartDelay  time.Duration // CREATED -> RUNNING, on the wall clock
	VaultInitDelay time.Duration // INITIALIZING -> CREATED, on the HBR clock
	Activated      bool          // false: every call fails as for an account without Cloud Backup
}

type settingsJSON struct {
	Throughput     json.RawMessage `json:"throughput,omitempty"`
	JobStartDelay  json.RawMessage `json:"jobStartDelay,omitempty"`
	VaultInitDelay json.RawMessage `json:"vaultInitDelay,omitempty"`
	Activated      *bool           `json:"activated,omitempty"`
}

// MarshalJSON writes the throughput as "N B/s" text and durations as Go duration strings.
func (s Settings) MarshalJSON() ([]byte, error) {
	return json.Marshal(settingsJSON{Throughput: json.RawMessage(strconv.Quote(FormatThroughput(s.Throughput))),
		JobStartDelay: svc.QuoteDuration(s.JobStartDelay), VaultInitDelay: svc.QuoteDuration(s.VaultInitDelay), Activated: &s.Activated})
}

// UnmarshalJSON changes only the fields present, so decoding into the current settings is a partial
// update. Unknown fields are an error.
func (s *Settings) UnmarshalJSON(data []byte) error {
	var w settingsJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return err
	}
	if len(w.Throughput) > 0 {
		var text string
		if err := json.Unmarshal(w.Throughput, &text); err != nil {
			text = string(w.Throughput)
		}
		n, err := ParseThroughput(text)
		if err != nil {
			return err
		}
		s.Throughput = n
	}
	if err := svc.SetDurations(svc.DurationSetting{Name: "jobStartDelay", Raw: w.JobStartDelay, Dst: &s.JobStartDelay},
		svc.DurationSetting{Name: "vaultInitDelay", Raw: w.VaultInitDelay, Dst: &s.VaultInitDelay}); err != nil {
		return err
	}
	if w.Activated != nil {
		s.Activated = *w.Activated
	}
	return nil
}

var units = []struct {
	suffix string
	factor int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}

// ParseThroughput reads "50MiB/s", "200 KB/s", "1048576" (bytes per second) or "unlimited" (0).
func ParseThroughput(text string) (int64, error) {
	t := strings.TrimSpace(text)
	if t == "" || strings.EqualFold(t, "unlimited") {
		return 0, nil
	}
	t = strings.TrimSpace(strings.TrimSuffix(t, "/s"))
	factor := int64(1)
	for _, u := range units {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, factor = strings.TrimSpace(rest), u.factor
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("throughput %q is not like \"50MiB/s\" or a number of bytes per second", text)
	}
	return int64(n * float64(factor)), nil
}

// FormatThroughput writes bytes per second the way ParseThroughput reads them.
func FormatThroughput(n int64) string {
	if n <= 0 {
		return "unlimited"
	}
	for _, u := range units[:3] {
		if n%u.factor == 0 {
			return strconv.FormatInt(n/u.factor, 10) + u.suffix + "/s"
		}
	}
	return strconv.FormatInt(n, 10) + "B/s"
}

// Clock is the HBR clock: the wall clock plus an offset that admin calls advance.
type Clock = svc.Clock
