package flow

// An edge of the school graph moves one applicant of tier t from node a to node b. Its cost, before
// prices, is a vector with a single non-zero component v at t:
//
//	school -> school: v = c_ib - c_ia           (in [-MaxCost, MaxCost])
//	school -> pool:   v = Bonus - c_ia          (always > 0: unassigning loses the bonus)
//	pool -> school:   v = c_ib - Bonus          (always < 0)
//
// Edges of one (a, b) pair sit in a heap ordered by this vector. A key packs it into an int32 whose
// integer order is the lexicographic order of the vectors: a negative component at a lower tier is
// smaller, a positive one at a lower tier is larger. The pool kinds store c shifted by keyHalf and
// recover the true component by adding a per-pair offset (see pairOffset).

const (
	keyShift = 22      // bits per tier bucket; |stored value| <= keyHalf < 1<<keyShift
	keyHalf  = 1 << 21 // 2·MaxCost
	keyBias  = MaxTiers
)

// packKey returns the key of the vector v·e_t, |v| <= keyHalf.
func packKey(t int, v int32) int32 {
	switch {
	case v < 0:
		return int32(t-keyBias)<<keyShift + v
	case v > 0:
		return int32(keyBias-t)<<keyShift + v
	}
	return 0
}

// unpackKey inverts packKey. The tier of the zero vector is reported as 0.
func unpackKey(k int32) (t int, v int32) {
	switch {
	case k < 0:
		t = int(k>>keyShift) + keyBias + 1
		return t, k - int32(t-keyBias)<<keyShift
	case k > 0:
		t = keyBias - int(k>>keyShift)
		return t, k - int32(keyBias-t)<<keyShift
	}
	return 0, 0
}

// moveKey is the key of moving an applicant of tier t from a school at cost from to one at cost to.
func moveKey(t int, from, to int32) int32 { return packKey(t, to-from) }

// leaveKey is the key of unassigning an applicant of tier t seated at cost c. The stored value
// keyHalf - c lies in [MaxCost, keyHalf]; the component is Bonus - c = stored + (Bonus - keyHalf).
func leaveKey(t int, c int32) int32 { return packKey(t, keyHalf-c) }

// joinKey is the key of seating an unassigned applicant of tier t at cost c. The stored value
// c - keyHalf lies in [-keyHalf, -MaxCost]; the component is c - Bonus = stored - (Bonus - keyHalf).
func joinKey(t int, c int32) int32 { return packKey(t, c-keyHalf) }

// pairOffset returns what to add to an unpacked value to get the true component, for edges from node
// a to node b where pool is the index of the unassigned pool.
func pairOffset(a, b, pool int32, bonus int64) int64 {
	switch {
	case b == pool:
		return bonus - keyHalf
	case a == pool:
		return keyHalf - bonus
	}
	return 0
}
