package oss

import (
	"hash/crc64"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCRC64Combine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	for _, split := range []int{0, 1, 7, 8, 100 << 10, len(data) - 1, len(data)} {
		a, b := data[:split], data[split:]
		got := crc64Combine(crc64.Checksum(a, crcTable), crc64.Checksum(b, crcTable), int64(len(b)))
		assert.Equal(t, crc64.Checksum(data, crcTable), got, "split at %d", split)
	}

	// Many parts, combined left to right, as CompleteMultipartUpload does.
	var crc uint64
	for off := 0; off < len(data); {
		n := min(1+rng.IntN(50_000), len(data)-off)
		crc = crc64Combine(crc, crc64.Checksum(data[off:off+n], crcTable), int64(n))
		off += n
	}
	assert.Equal(t, crc64.Checksum(data, crcTable), crc)
}
