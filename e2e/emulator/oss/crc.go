package oss

// crc64Combine returns the CRC-64/ECMA (as computed by hash/crc64 with the ECMA table) of A||B given
// crc(A), crc(B) and len(B). Completing a multipart upload then costs a few microseconds per part instead of
// re-reading gigabytes. It works by applying the operator "append len(B) zero bytes" to crc(A) in GF(2),
// built by repeated squaring of the one-zero-bit operator, so the cost is logarithmic in len(B).
func crc64Combine(crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA
	}
	// The reflected ECMA-182 polynomial, as used by hash/crc64.
	const poly = 0xC96C5795D7870F42
	var odd, even [64]uint64
	// odd = operator for one zero bit: shift right, xor the polynomial if the low bit was set.
	odd[0] = poly
	for i, row := 1, uint64(1); i < 64; i, row = i+1, row<<1 {
		odd[i] = row
	}
	gf2Square(&even, &odd) // two zero bits
	gf2Square(&odd, &even) // four zero bits
	for {
		gf2Square(&even, &odd) // one zero byte, then 4, 16, ... as the loop goes on
		if lenB&1 != 0 {
			crcA = gf2Times(&even, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
		gf2Square(&odd, &even)
		if lenB&1 != 0 {
			crcA = gf2Times(&odd, crcA)
		}
		lenB >>= 1
		if lenB == 0 {
			break
		}
	}
	return crcA ^ crcB
}

func gf2Times(mat *[64]uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func gf2Square(square, mat *[64]uint64) {
	for i := range mat {
		square[i] = gf2Times(mat, mat[i])
	}
}
