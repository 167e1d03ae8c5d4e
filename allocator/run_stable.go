package allocator

import (
	"context"
	"fmt"
)

// Stages: where a child with a disability takes more than one place, such
// children are placed first, in a stage of their own, each school offering
// floor(places / weight) seats to them; the other children are then placed
// in the places left. Each stage is an ordinary one-seat-per-child
// deferred acceptance, so no child is ever passed over for a lower-ranked
// child because the two need a different number of places.
const (
	stageDisability = 0
	stageMain       = 1
)

// stageOf returns the stage an applicant is placed in.
func (m *market) stageOf(a int32) int {
	if m.weight > 1 && m.apps[a].disab {
		return stageDisability
	}
	return stageMain
}

// stageGroups splits the market's applicants by stage.
func (m *market) stageGroups() [2][]int32 {
	var groups [2][]int32
	for a := range m.apps {
		st := m.stageOf(int32(a))
		groups[st] = append(groups[st], int32(a))
	}
	return groups
}

// disabilitySeats returns the seats each school offers in the disability
// stage: floor(places / weight), none when no child takes extra places.
func (m *market) disabilitySeats() []int32 {
	seats := make([]int32, len(m.places))
	if m.weight > 1 {
		for s, p := range m.places {
			seats[s] = p / m.weight
		}
	}
	return seats
}

// mainSeats returns the places left per school once the disability stage
// has placed its children.
func (m *market) mainSeats(admitted []int32) []int32 {
	seats := make([]int32, len(m.places))
	for s, p := range m.places {
		seats[s] = p - m.weight*admitted[s]
	}
	return seats
}

// runStable places the market's applicants by deferred acceptance.
func (m *market) runStable(ctx context.Context) error {
	pos := make([]int32, len(m.apps))
	groups := m.stageGroups()
	m.seats[stageDisability] = m.disabilitySeats()
	first, err := m.deferredAcceptance(ctx, groups[stageDisability], m.seats[stageDisability], pos)
	if err != nil {
		return err
	}
	admitted := make([]int32, len(m.places))
	for s := range first.held {
		admitted[s] = int32(len(first.held[s]))
	}
	m.seats[stageMain] = m.mainSeats(admitted)
	if _, err := m.deferredAcceptance(ctx, groups[stageMain], m.seats[stageMain], pos); err != nil {
		return err
	}
	m.newOutcome()
	for ai := range m.apps {
		c := &m.apps[ai]
		if c.list == nil || int(pos[ai]) >= len(c.list) {
			m.listed[ai] = c.listed
			continue
		}
		m.placed[ai], m.rank[ai] = c.list[pos[ai]], pos[ai]+1
	}
	m.findLast()
	return nil
}

// newOutcome allocates the outcome, every applicant unassigned.
func (m *market) newOutcome() {
	m.placed = make([]cand, len(m.apps))
	m.rank = make([]int32, len(m.apps))
	m.listed = make([]int32, len(m.apps))
	for i := range m.placed {
		m.placed[i].school = -1
	}
}

// findLast finds, per stage and school, the admitted applicant the school's
// priority order ranks last, and counts the admitted.
func (m *market) findLast() {
	var worst [2][]prio
	for st := range m.last {
		m.admitted[st] = make([]int32, len(m.places))
		m.last[st] = make([]int32, len(m.places))
		worst[st] = make([]prio, len(m.places))
		for s := range m.last[st] {
			m.last[st][s] = -1
		}
	}
	for ai, pl := range m.placed {
		if pl.school < 0 {
			continue
		}
		st, p := m.stageOf(int32(ai)), m.priority(int32(ai), pl.school, pl.distM)
		m.admitted[st][pl.school]++
		if m.last[st][pl.school] < 0 || worst[st][pl.school].before(p) {
			m.last[st][pl.school], worst[st][pl.school] = int32(ai), p
		}
	}
}

// admittedIn returns how many children a school admitted in a stage.
func (m *market) admittedIn(st int, s int32) int32 { return m.admitted[st][s] }

// lastAdmitted returns the applicant admitted last at a local school under
// its priority order (the main stage's last, else the disability stage's),
// or -1.
func (m *market) lastAdmitted(s int32) int32 {
	if m.last[stageMain][s] >= 0 {
		return m.last[stageMain][s]
	}
	return m.last[stageDisability][s]
}

// record writes the market's outcome into the result's placements and
// offers.
func (m *market) record(r *Result) {
	for ai := range m.apps {
		c := &m.apps[ai]
		p := &r.Placements[c.global]
		pl := m.placed[ai]
		if pl.school < 0 {
			p.Status, p.Reason, p.Listed = Unassigned, m.unassignedReason(r.Mode, m.listed[ai]), m.listed[ai]
			continue
		}
		o := &r.Offers[m.offers[pl.school]]
		p.Status, p.School, p.DistM, p.ChoiceRank = Assigned, o.School, pl.distM, m.rank[ai]
		p.Reason = assignedReason(r.Mode, int(m.rank[ai]))
		o.Assigned++
		o.PlacesUsed += int(m.placesOf(int32(ai)))
	}
	for s := range m.offers {
		o := &r.Offers[m.offers[s]]
		if last := m.lastAdmitted(int32(s)); last >= 0 {
			o.Cutoff = m.apps[last].global
			o.CutoffDistM = m.placed[last].distM
		}
	}
}

// placesOf returns how many places an applicant takes.
func (m *market) placesOf(a int32) int32 {
	if m.apps[a].disab {
		return m.weight
	}
	return 1
}

func assignedReason(mode Mode, rank int) string {
	if mode == Optimal {
		return fmt.Sprintf("placed at choice %d by the distance-optimal allocation", rank)
	}
	switch rank {
	case 1:
		return "placed at choice 1"
	case 2:
		return "placed at choice 2; choice 1 was full at this child's priority"
	}
	return fmt.Sprintf("placed at choice %d; choices 1-%d were full at this child's priority", rank, rank-1)
}

func (m *market) unassignedReason(mode Mode, listed int32) string {
	if listed == 0 {
		return fmt.Sprintf("no school offers %s places within %d m", m.level, m.capM)
	}
	if mode == Optimal {
		return fmt.Sprintf("no seat within %d m (%d schools) in the distance-optimal allocation", m.capM, listed)
	}
	return fmt.Sprintf("every school within %d m (%d) was full at this child's priority", m.capM, listed)
}
