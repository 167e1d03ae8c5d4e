package flow

// Costs, prices and distances are vectors with one int64 component per tier, compared
// lexicographically (component 0 first). They are stored as slices of a flat []int64.

// cmpVec returns -1, 0 or +1 as a is lexicographically below, equal to or above b.
func cmpVec(a, b []int64) int {
	for k := range a {
		if a[k] != b[k] {
			if a[k] < b[k] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// signVec returns the sign of a's first non-zero component, 0 for the zero vector.
func signVec(a []int64) int {
	for _, x := range a {
		if x != 0 {
			if x < 0 {
				return -1
			}
			return 1
		}
	}
	return 0
}

// cmpOffer compares, for one applicant of tier t, the offer pa + ca·e_t with pb + cb·e_t.
// (Both offers carry the same -Bonus·e_t, which cancels.)
func cmpOffer(pa []int64, ca int64, pb []int64, cb int64, t int) int {
	for k := range pa {
		x, y := pa[k], pb[k]
		if k == t {
			x, y = x+ca, y+cb
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}

// signOffer returns the sign of pa + (ca - bonus)·e_t, the reduced cost of an arc against staying
// unassigned: negative means the applicant prefers the school.
func signOffer(pa []int64, ca, bonus int64, t int) int {
	for k, x := range pa {
		if k == t {
			x += ca - bonus
		}
		if x != 0 {
			if x < 0 {
				return -1
			}
			return 1
		}
	}
	return 0
}

// inRange reports whether every component of a lies in [-priceLimit, priceLimit].
func inRange(a []int64) bool {
	for _, x := range a {
		if x < -priceLimit || x > priceLimit {
			return false
		}
	}
	return true
}
