package allocator

import (
	"fmt"
	"slices"

	"github.com/catchment/catchment/allocator/flow"
)

// optimalWhy explains, from the optimality certificate, why the optimal
// allocation did not seat the applicant at a school ranked above its
// placement. With seat prices π (one vector per school, a component per
// priority tier) an applicant of tier t sees school j at
// π_j + (distance - Bonus)·e_t; the difference between that school and its
// own (or, unassigned, the value itself) is never negative, and its first
// non-zero component says who would lose if the child moved.
func (r *Result) optimalWhy(m *market, ai int32, cd cand) string {
	st, pos := m.optPosition(ai)
	if st == nil {
		return "no seats for this child's group at this school"
	}
	cert := &st.sol.Certificate
	t := 0
	if st.tier != nil {
		t = int(st.tier[pos])
	}
	diff := m.offer(cert, cd.school, cd.distM, t)
	if pl := m.placed[ai]; pl.school >= 0 {
		own := m.offer(cert, pl.school, pl.distM, t)
		for u := range diff {
			diff[u] -= own[u]
		}
	}
	why := m.lossWords(diff, t)
	if m.envies(ai, cd) {
		why += "; by the school's priority order this child ranks before a child admitted there (optimal mode follows only the priority groups)"
	}
	return why
}

// optPosition returns the stage holding the applicant and its position in
// that stage's problem.
func (m *market) optPosition(ai int32) (*optStage, int) {
	st := m.opt[m.stageOf(ai)]
	if st == nil {
		return nil, 0
	}
	i, found := slices.BinarySearch(st.apps, ai)
	if !found {
		return nil, 0
	}
	return st, i
}

// offer returns the price vector a tier-t applicant sees at a school at a
// distance: π_j + (distance - Bonus)·e_t.
func (m *market) offer(cert *flow.Certificate, school, distM int32, t int) []int64 {
	v := slices.Clone(cert.Price[int(school)*cert.Tiers : (int(school)+1)*cert.Tiers])
	v[t] += int64(distM) - cert.Bonus
	return v
}

// lossWords says who would lose if the child took a seat at the school,
// from the first non-zero component of the offer difference. Dual prices
// are not unique, so the size of the difference is only a lower bound and
// is not quoted; its sign and its tier are certain.
func (m *market) lossWords(diff []int64, t int) string {
	for u, v := range diff {
		if v == 0 {
			continue
		}
		switch {
		case u < t:
			return fmt.Sprintf("its seats are needed by children of a higher priority group (%s)", m.tierName(u))
		case u > t:
			return fmt.Sprintf("seating this child there would cost children of a lower priority group (%s) more than it saves", m.tierName(u))
		default:
			return "the seats there are needed by other children of its priority group: seating this child there would place fewer of them, or make their total distance longer"
		}
	}
	return "an allocation of equal total distance would seat this child there; ties between equal optima break deterministically"
}

func (m *market) tierName(u int) string {
	if u < len(m.pol.PriorityGroups) {
		return m.pol.PriorityGroups[u]
	}
	return "no priority group"
}

// envies reports whether the school would admit the child under the
// stable rules: a free seat in the child's stage, or a child ranked after
// it by the school's priority order among those admitted.
func (m *market) envies(ai int32, cd cand) bool {
	st := m.stageOf(ai)
	if m.admittedIn(st, cd.school) < m.seats[st][cd.school] {
		return true
	}
	last := m.last[st][cd.school]
	return last >= 0 && m.priority(ai, cd.school, cd.distM).before(m.priority(last, cd.school, m.placed[last].distM))
}
