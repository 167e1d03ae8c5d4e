package allocator

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
)

// Lottery returns an applicant's lottery number: the first 8 bytes,
// big-endian, of SHA-256(seed || 0x00 || id), both UTF-8. Lower wins. One
// number per applicant serves every school (single tie-breaking).
func Lottery(seed, id string) uint64 {
	h := sha256.New()
	h.Write([]byte(seed))
	h.Write([]byte{0})
	h.Write([]byte(id))
	var sum [sha256.Size]byte
	return binary.BigEndian.Uint64(h.Sum(sum[:0]))
}

// LotteryHex formats a lottery number as the 16 lower-case hex digits of
// the output files.
func LotteryHex(n uint64) string {
	s := strconv.FormatUint(n, 16)
	const zeros = "0000000000000000"
	return zeros[:16-len(s)] + s
}
