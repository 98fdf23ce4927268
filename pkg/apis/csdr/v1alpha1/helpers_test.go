package v1alpha1

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
)

const claimUID = types.UID("3f2b9c4e-1d2a-4b5c-8e9f-0a1b2c3d4e5f")

func TestHBRJobName(t *testing.T) {
	long := strings.Repeat("nightly-", 10) + "20261203" // 88 characters
	tests := []struct {
		name, backup string
		uid          types.UID
		want         string
	}{
		{name: "short backup", backup: "daily", uid: claimUID, want: "daily-3f2b9c4e-hbr"},
		{name: "uid shorter than 8", backup: "b", uid: "abc", want: "b-abc-hbr"},
		{name: "exactly the limit", backup: strings.Repeat("a", 50), uid: claimUID,
			want: strings.Repeat("a", 50) + "-3f2b9c4e-hbr"},
		{name: "one over the limit is cut and hashed", backup: strings.Repeat("a", 51), uid: claimUID,
			want: strings.Repeat("a", 43) + "-" + hashOf(strings.Repeat("a", 51)) + "-3f2b9c4e-hbr"},
		{name: "a cut that ends in separators drops them", backup: strings.Repeat("a", 40) + "---.-" + strings.Repeat("b", 20),
			uid: claimUID, want: strings.Repeat("a", 40) + "-" + hashOf(strings.Repeat("a", 40)+"---.-"+strings.Repeat("b", 20)) + "-3f2b9c4e-hbr"},
		{name: "long schedule backup", backup: long, uid: claimUID,
			want: long[:43] + "-" + hashOf(long) + "-3f2b9c4e-hbr"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := HBRJobName(tc.backup, tc.uid)
			assert.Equal(t, tc.want, got)
			assert.LessOrEqual(t, len(got), MaxJobNameLength)
			assert.Empty(t, validation.IsValidLabelValue(got), "usable as a label value")
		})
	}
}

func TestHBRJobNameTellsLongNamesApart(t *testing.T) {
	a := HBRJobName(strings.Repeat("x", 60)+"-a", claimUID)
	b := HBRJobName(strings.Repeat("x", 60)+"-b", claimUID)
	assert.NotEqual(t, a, b)
	assert.Equal(t, HBRJobName(strings.Repeat("x", 60)+"-a", claimUID), a, "stable")
}

func TestRecordName(t *testing.T) {
	assert.Equal(t, "daily-3f2b9c4e", RecordName("daily", claimUID))
	long := strings.Repeat("r", 60)
	got := RecordName(long, claimUID)
	assert.Equal(t, strings.Repeat("r", 47)+"-"+hashOf(long)+"-3f2b9c4e", got)
	assert.Empty(t, validation.IsDNS1123Subdomain(got), "usable as an object name")
	assert.Empty(t, validation.IsValidLabelValue(got), "usable as a label value")
}

// hashOf is the first 6 hex digits of the name's SHA-256, which HBRJobName appends to a cut name.
func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:3])
}

func TestRetentionDays(t *testing.T) {
	tests := []struct {
		ttl  time.Duration
		want int64
	}{
		{0, 1},
		{-time.Hour, 1},
		{time.Minute, 1},
		{24 * time.Hour, 1},
		{24*time.Hour + time.Second, 2},
		{720 * time.Hour, 30}, // Velero's default TTL
		{8760 * time.Hour, 365},
	}
	for _, tc := range tests {
		t.Run(tc.ttl.String(), func(t *testing.T) {
			assert.Equal(t, tc.want, RetentionDays(tc.ttl))
		})
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		progress int32
		want     string
	}{
		{0, "0%"}, {99, "0%"}, {100, "1%"}, {4217, "42%"}, {9999, "99%"}, {10000, "100%"},
		{-5, "0%"}, {12000, "100%"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, Percent(tc.progress), "progress %d", tc.progress)
	}
}
