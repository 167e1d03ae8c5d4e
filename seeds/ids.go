package seeds

// Applicant ids are "A" followed by 12 hex digits: a keyed 48-bit Feistel
// permutation of the applicant counter, keyed by the seed. Being a
// permutation, it never gives two applicants the same id; without the seed
// the counter cannot be recovered from an id.

const idRounds = 4

// idKeys derives the round keys of the id permutation from the seed.
func idKeys(seed int64) [idRounds]uint64 {
	var k [idRounds]uint64
	s := uint64(seed) ^ 0x6361_7463_686d_656e // "catchmen"
	for i := range k {
		s = splitmix(s)
		k[i] = s
	}
	return k
}

// splitmix returns the next value of the SplitMix64 sequence after x.
func splitmix(x uint64) uint64 {
	x += 0x9e37_79b9_7f4a_7c15
	x = (x ^ x>>30) * 0xbf58_476d_1ce4_e5b9
	x = (x ^ x>>27) * 0x94d0_49bb_1331_11eb
	return x ^ x>>31
}

// permuteID maps counter n (below 2^48) to a distinct 48-bit value.
func permuteID(n uint64, keys [idRounds]uint64) uint64 {
	const half = 24
	const mask = 1<<half - 1
	l, r := n>>half&mask, n&mask
	for _, k := range keys {
		l, r = r, l^splitmix(r^k)&mask
	}
	return l<<half | r
}

// appendApplicantID appends the id of the applicant with 48-bit value v.
func appendApplicantID(b []byte, v uint64) []byte {
	const hex = "0123456789abcdef"
	b = append(b, 'A')
	for shift := 44; shift >= 0; shift -= 4 {
		b = append(b, hex[v>>uint(shift)&0xf])
	}
	return b
}
