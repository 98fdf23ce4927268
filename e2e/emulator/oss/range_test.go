package oss

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRange(t *testing.T) {
	const size = 100
	tests := []struct {
		header   string
		standard bool
		want     *byteRange
		status   int // for errors
	}{
		{header: ""},
		{header: "bytes=0-0", want: &byteRange{0, 1}},
		{header: "bytes=10-19", want: &byteRange{10, 10}},
		{header: "bytes=90-", want: &byteRange{90, 10}},
		{header: "bytes=-10", want: &byteRange{90, 10}},
		{header: "bytes=0-99", want: &byteRange{0, 100}},
		{header: "bytes=0-100"},   // end beyond the object: ignored by default
		{header: "bytes=100-"},    // start beyond: ignored by default
		{header: "bytes=-101"},    // suffix longer than the object: ignored by default
		{header: "bytes=-0"},      // empty suffix: ignored
		{header: "bytes=20-10"},   // inverted
		{header: "bytes=0-1,3-4"}, // multiple ranges are not supported
		{header: "items=0-1"},     // other units
		{header: "bytes=a-b"},     // garbage
		{header: "bytes=0-100", standard: true, want: &byteRange{0, 100}},
		{header: "bytes=-101", standard: true, want: &byteRange{0, 100}},
		{header: "bytes=100-", standard: true, status: http.StatusRequestedRangeNotSatisfiable},
		{header: "bytes=-0", standard: true, status: http.StatusRequestedRangeNotSatisfiable},
		{header: "bytes=20-10", standard: true},
	}
	for _, tt := range tests {
		got, e := parseRange(tt.header, size, tt.standard)
		if tt.status != 0 {
			require.NotNil(t, e, tt.header)
			assert.Equal(t, tt.status, e.status, tt.header)
			assert.Equal(t, "InvalidRange", e.code)
			continue
		}
		require.Nil(t, e, tt.header)
		assert.Equal(t, tt.want, got, "%q standard=%v", tt.header, tt.standard)
	}

	got, e := parseRange("bytes=0-", 0, false)
	assert.Nil(t, e)
	assert.Nil(t, got, "an empty object has no satisfiable range")
}

func TestCheckConditions(t *testing.T) {
	mod := time.Date(2026, 1, 2, 3, 4, 5, 600, time.UTC)
	m := ObjectMeta{ETag: `"ABC"`, LastModified: mod}
	before, after := mod.Add(-time.Hour).Format(http.TimeFormat), mod.Add(time.Hour).Format(http.TimeFormat)
	tests := []struct {
		name, header, value string
		status              int
		failed              bool
	}{
		{"if-match hit", "If-Match", `"abc"`, 200, false},
		{"if-match star", "If-Match", `*`, 200, false},
		{"if-match miss", "If-Match", `"DEF"`, 0, true},
		{"if-none-match hit", "If-None-Match", `"ABC", "X"`, 304, false},
		{"if-none-match miss", "If-None-Match", `"DEF"`, 200, false},
		{"modified since before", "If-Modified-Since", before, 200, false},
		{"modified since same second", "If-Modified-Since", mod.Format(http.TimeFormat), 304, false},
		{"unmodified since after", "If-Unmodified-Since", after, 200, false},
		{"unmodified since before", "If-Unmodified-Since", before, 0, true},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set(tt.header, tt.value)
		status, e := checkConditions(h, m)
		if tt.failed {
			require.NotNil(t, e, tt.name)
			assert.Equal(t, http.StatusPreconditionFailed, e.status, tt.name)
			continue
		}
		require.Nil(t, e, tt.name)
		assert.Equal(t, tt.status, status, tt.name)
	}
}
