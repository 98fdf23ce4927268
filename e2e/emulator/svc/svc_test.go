package svc

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDuration(t *testing.T) {
	tests := []struct {
		name    string
		d, want time.Duration
	}{
		{"zero is the default", 0, time.Minute},
		{"negative is at once", -1, 0},
		{"given", 3 * time.Second, 3 * time.Second},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Duration(tt.d, time.Minute), tt.name)
	}
}

func TestRetentionEnd(t *testing.T) {
	created := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	end, ok := RetentionEnd(created, 7)
	require.True(t, ok)
	assert.Equal(t, created.Add(7*24*time.Hour), end)
	_, ok = RetentionEnd(created, 0)
	assert.False(t, ok, "kept until deleted")
}

func TestSetDurationsChangesOnlyWhatIsNamed(t *testing.T) {
	a, b := time.Second, time.Second
	require.NoError(t, SetDurations(DurationSetting{Name: "a", Raw: json.RawMessage(`"2m"`), Dst: &a},
		DurationSetting{Name: "b", Dst: &b}))
	assert.Equal(t, 2*time.Minute, a)
	assert.Equal(t, time.Second, b, "absent: unchanged")

	err := SetDurations(DurationSetting{Name: "a", Raw: json.RawMessage(`"soon"`), Dst: &a})
	require.ErrorContains(t, err, "a: ")
}

func TestClockJSONRoundTrip(t *testing.T) {
	c := Clock{Now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), Offset: 720 * time.Hour}
	data, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{"now":"2030-01-02T03:04:05Z","offset":"720h0m0s"}`, string(data))
	var back Clock
	require.NoError(t, json.Unmarshal(data, &back))
	assert.Equal(t, c, back)
}

func TestSortedValues(t *testing.T) {
	one, two := 1, 2
	assert.Equal(t, []*int{&one, &two}, SortedValues(map[string]*int{"b": &two, "a": &one}))
}
