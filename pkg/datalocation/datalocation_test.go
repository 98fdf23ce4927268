package datalocation

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEncodeDecodeRoundTrip(t *testing.T) {
	checked := time.Date(2026, 12, 3, 22, 0, 0, 500, time.FixedZone("x", 3600))
	in := []Location{
		{Volume: "shop/data", PersistentVolume: "pv-2", Kind: HBRSnapshot, ID: "s-hbr", Region: "cn-hangzhou", Vault: "v-1", VaultName: "ack-backup-data", State: Exists},
		{Volume: "pv-1", Kind: ECSSnapshot, ID: "s-bp1", Region: "cn-hangzhou", State: Missing, CheckedAt: &checked},
	}
	s, err := Encode(in)
	require.NoError(t, err)
	assert.Contains(t, s, `"checkedAt":"2026-12-03T21:00:00Z"`, "UTC, to the second")
	out, err := Decode(s)
	require.NoError(t, err)
	require.Len(t, out, 2)
	assert.Equal(t, "pv-1", out[0].Volume, "sorted by volume")
	assert.Equal(t, in[0], out[1])
	again, err := Encode(out)
	require.NoError(t, err)
	assert.Equal(t, s, again)
}

func TestDecodeRejects(t *testing.T) {
	for name, s := range map[string]string{
		"not json":     "pv-1: s-1",
		"unknown kind": `[{"volume":"a","kind":"Tape","id":"t-1"}]`,
		"no id":        `[{"volume":"a","kind":"ECSSnapshot"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(s)
			assert.Error(t, err)
		})
	}
	locs, err := Decode("")
	assert.NoError(t, err)
	assert.Empty(t, locs)
}
