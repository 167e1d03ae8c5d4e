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

// runStable places the market's applicants by deferred acceptance.
func (m *market) runStable(ctx context.Context) error {
	m.pos = make([]int32, len(m.apps))
	var groups [2][]int32
	for a := range m.apps {
		st := m.stageOf(int32(a))
		groups[st] = append(groups[st], int32(a))
	}
	m.seats[stageDisability] = make([]int32, len(m.places))
	for s, p := range m.places {
		if m.weight > 1 {
			m.seats[stageDisability][s] = p / m.weight
		}
	}
	var err error
	m.stages[stageDisability], err = m.deferredAcceptance(ctx, groups[stageDisability], m.seats[stageDisability], m.pos)
	if err != nil {
		return err
	}
	m.seats[stageMain] = make([]int32, len(m.places))
	for s, p := range m.places {
		m.seats[stageMain][s] = p - m.weight*int32(len(m.stages[stageDisability].held[s]))
	}
	m.stages[stageMain], err = m.deferredAcceptance(ctx, groups[stageMain], m.seats[stageMain], m.pos)
	return err
}

// lastAdmitted returns the applicant admitted last at a local school under
// its priority order (the main stage's last, else the disability stage's),
// or -1.
func (m *market) lastAdmitted(s int32) int32 {
	for _, st := range []int{stageMain, stageDisability} {
		if h := m.stages[st].held; h != nil && len(h[s]) > 0 {
			return h[s].worst().app
		}
	}
	return -1
}

// record writes the market's outcome into the result's placements and
// offers.
func (m *market) record(r *Result) {
	for ai := range m.apps {
		c := &m.apps[ai]
		p := &r.Placements[c.global]
		pos := m.pos[ai]
		if c.list == nil || int(pos) >= len(c.list) {
			p.Status, p.Reason, p.Listed = Unassigned, m.unassignedReason(c), c.listed
			continue
		}
		cd := c.list[pos]
		o := &r.Offers[m.offers[cd.school]]
		p.Status, p.School, p.DistM, p.ChoiceRank = Assigned, o.School, cd.distM, pos+1
		p.Reason = assignedReason(int(pos) + 1)
		o.Assigned++
		o.PlacesUsed += int(m.placesOf(int32(ai)))
	}
	for s := range m.offers {
		o := &r.Offers[m.offers[s]]
		if last := m.lastAdmitted(int32(s)); last >= 0 {
			o.Cutoff = m.apps[last].global
			o.CutoffDistM = m.apps[last].list[m.pos[last]].distM
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

func assignedReason(rank int) string {
	switch rank {
	case 1:
		return "placed at choice 1"
	case 2:
		return "placed at choice 2; choice 1 was full at this child's priority"
	}
	return fmt.Sprintf("placed at choice %d; choices 1-%d were full at this child's priority", rank, rank-1)
}

func (m *market) unassignedReason(c *candidateApp) string {
	if c.listed == 0 {
		return fmt.Sprintf("no school offers %s places within %d m", m.level, m.capM)
	}
	return fmt.Sprintf("every school within %d m (%d) was full at this child's priority", m.capM, c.listed)
}
