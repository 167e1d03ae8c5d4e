package allocator

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/catchment/catchment/geo"
)

// ErrUnknownApplicant is returned by Explain for an id not in the result.
var ErrUnknownApplicant = errors.New("allocator: no such applicant in this round")

// Explanation tells a family where their child was placed and, for every
// school ranked above that placement, what beat the child there.
type Explanation struct {
	ApplicantID string `json:"applicant_id"`
	Level       string `json:"level"`
	Status      string `json:"status"`
	School      string `json:"school_id,omitempty"`
	DistM       int    `json:"distance_m,omitempty"`
	ChoiceRank  int    `json:"choice_rank,omitempty"`
	Reason      string `json:"reason"`
	Priority    string `json:"priority,omitempty"`
	Residence   string `json:"residence"`
	Lottery     string `json:"lottery"`
	Above       []Beat `json:"above,omitempty"`   // schools ranked above the placement, best first
	Dropped     []Skip `json:"dropped,omitempty"` // preferences that were not on the list
	Method      string `json:"method"`
	Note        string `json:"note,omitempty"`
	placement   *Placement
}

// Beat is one school the child ranked above its placement and why the
// child did not get a seat there.
type Beat struct {
	Rank        int    `json:"rank"`
	School      string `json:"school_id"`
	DistM       int    `json:"distance_m"`
	Seats       int    `json:"seats"`
	Why         string `json:"why"`
	CutoffGroup string `json:"cutoff_priority,omitempty"`
	CutoffDistM int    `json:"cutoff_distance_m,omitempty"`
}

// Skip is a preference left off the child's list.
type Skip struct {
	School string `json:"school_id"`
	Why    string `json:"why"`
}

// Explain returns the explanation for one applicant.
func (r *Result) Explain(applicantID string) (*Explanation, error) {
	gi, found := slices.BinarySearchFunc(r.Applicants, applicantID, func(a geo.Applicant, id string) int { return cmp.Compare(a.ID, id) })
	if !found {
		return nil, fmt.Errorf("%w: %q", ErrUnknownApplicant, applicantID)
	}
	a, p := &r.Applicants[gi], &r.Placements[gi]
	e := &Explanation{ApplicantID: a.ID, Level: a.Level.String(), Status: p.Status.String(), Reason: p.Reason,
		Priority: a.Priority, Residence: a.Residence.String(), Lottery: LotteryHex(p.Lottery), placement: p,
		Method: r.methodNote()}
	if p.Status == Ineligible {
		return e, nil
	}
	if p.Status == Assigned {
		e.School, e.DistM, e.ChoiceRank = r.Schools[p.School].ID, int(p.DistM), int(p.ChoiceRank)
	}
	m := r.markets[a.Level]
	ai, _ := slices.BinarySearchFunc(m.apps, int32(gi), func(c candidateApp, g int32) int { return cmp.Compare(c.global, g) })
	c := &m.apps[ai]
	list, _ := m.buildList(c, -1, nil)
	for rank, cd := range list {
		if p.Status == Assigned && rank+1 >= int(p.ChoiceRank) {
			break
		}
		e.Above = append(e.Above, r.beat(m, int32(ai), rank+1, cd))
	}
	e.Dropped = r.dropped(m, a)
	var notes []string
	if c.disab && m.inclusive != nil {
		notes = append(notes, fmt.Sprintf("a child with a disability is offered the inclusive schools within %d m (which support such children) after the family's preferences and before the other schools", m.capM))
	}
	if m.weight > 1 && c.disab {
		notes = append(notes, fmt.Sprintf("a child with a disability takes %d places of a %s intake; such children are placed first, each school offering them floor(places / %d) seats",
			m.weight, a.Level, m.weight))
	}
	e.Note = strings.Join(notes, "; ")
	return e, nil
}

func (r *Result) methodNote() string {
	order := make([]string, len(r.Policy.PriorityOrder))
	for i, k := range r.Policy.PriorityOrder {
		order[i] = string(k)
	}
	if r.Mode == Optimal {
		return "optimal: the most children placed, then the least total distance"
	}
	return "stable: deferred acceptance; each school ranks children by " + strings.Join(order, ", ") + ", then applicant id"
}

// beat explains why the applicant holds no seat at the school of one list
// entry ranked above its placement.
func (r *Result) beat(m *market, ai int32, rank int, cd cand) Beat {
	o := &r.Offers[m.offers[cd.school]]
	b := Beat{Rank: rank, School: r.Schools[o.School].ID, DistM: int(cd.distM), Seats: o.Seats}
	if r.Mode != Stable {
		b.Why = r.optimalWhy(m, ai, cd)
		return b
	}
	st := m.stageOf(ai)
	lastAt := m.last[st][cd.school]
	if lastAt < 0 {
		b.Why = "no seats for this child's group at this school"
		switch {
		case st == stageDisability:
			b.Why = fmt.Sprintf("no seats for children with a disability (%d places, %d per such child)", o.Seats, m.weight)
		case m.admittedIn(stageDisability, cd.school) > 0:
			b.Why = fmt.Sprintf("no places left for the others: %s", m.takenFirst(cd.school))
		}
		return b
	}
	last := m.priority(lastAt, cd.school, m.distOf(lastAt))
	mine := m.priority(ai, cd.school, cd.distM)
	lc := &m.apps[lastAt]
	b.CutoffGroup = r.groupName(lc.group)
	b.CutoffDistM = int(m.distOf(lastAt))
	seats := " (" + seatWords(int(m.seats[st][cd.school]), st == stageDisability) + ")"
	if st == stageMain && m.admittedIn(stageDisability, cd.school) > 0 {
		seats = fmt.Sprintf(": %s, %s left for the others", m.takenFirst(cd.school), seatWords(int(m.seats[st][cd.school]), false))
	}
	b.Why = fmt.Sprintf("full%s; %s", seats, m.compare(mine, last, cd.school, r))
	return b
}

// takenFirst says how many of a school's places went to children with a
// disability, who are placed before the others.
func (m *market) takenFirst(school int32) string {
	n := m.admittedIn(stageDisability, school)
	children := "children"
	if n == 1 {
		children = "child"
	}
	return fmt.Sprintf("%d places, %d of them taken by %d %s with a disability (placed first, %d places each)",
		m.places[school], n*m.weight, n, children, m.weight)
}

func seatWords(n int, disability bool) string {
	s := fmt.Sprintf("%d seats", n)
	if n == 1 {
		s = "1 seat"
	}
	if disability {
		s += " for children with a disability"
	}
	return s
}

// distTo returns an applicant's distance to a local school.
func (m *market) distTo(a, school int32) int32 {
	return int32(geo.DistanceHaversine(m.apps[a].loc, m.index.Point(int(school))))
}

// distOf returns the distance of an admitted applicant to its school.
func (m *market) distOf(a int32) int32 { return m.placed[a].distM }

// compare says, in words, on which key the last admitted child ranked
// before this one.
func (m *market) compare(mine, last prio, school int32, r *Result) string {
	a, b := &m.apps[mine.app], &m.apps[last.app]
	for _, key := range m.pol.PriorityOrder {
		mv := m.keyValue(a, key, school, m.distTo(mine.app, school))
		lv := m.keyValue(b, key, school, m.distOf(last.app))
		if mv == lv {
			continue
		}
		if mv < lv {
			return "this child ranked before the last admitted child; deferred acceptance should have admitted it (report this)"
		}
		return m.keyWords(key, mv, lv, r)
	}
	return "same priority on every key; ties break by applicant id, and the last admitted child's id sorts first"
}

func (m *market) keyWords(key Key, mine, last uint64, r *Result) string {
	switch key {
	case KeyPriority:
		return fmt.Sprintf("the last admitted child is in priority group %s; this child is in %s", r.groupName(uint8(last)), r.groupName(uint8(mine)))
	case KeyInCatchment:
		return "the last admitted child lives inside the school's published route; this child does not"
	case KeyFeeder:
		return "the last admitted child leaves one of the school's feeder primary schools; this child does not"
	case KeyResidence:
		return "the last admitted child has permanent residence; this child's is temporary"
	case KeyDistance:
		return fmt.Sprintf("the last admitted child lives %d m away; this child lives %d m away", last, mine)
	case KeyLottery:
		return fmt.Sprintf("equal on the other keys; the last admitted child drew lottery %s, this child %s (lower wins)", LotteryHex(last), LotteryHex(mine))
	}
	return string(key)
}

func (r *Result) groupName(rank uint8) string {
	if int(rank) < len(r.Policy.PriorityGroups) {
		return r.Policy.PriorityGroups[rank]
	}
	return "(none)"
}

// dropped lists the applicant's preferences that were not on its list.
func (r *Result) dropped(m *market, a *geo.Applicant) []Skip {
	var out []Skip
	for _, id := range a.Preferences {
		if j, ok := m.byID[id]; ok {
			if d := geo.DistanceHaversine(a.Loc, m.index.Point(int(j))); d > m.capM {
				out = append(out, Skip{School: id, Why: fmt.Sprintf("%d m from home, beyond the %d m cap for %s", d, m.capM, m.level)})
			}
			continue
		}
		out = append(out, Skip{School: id, Why: r.notInMarket(id, m.level)})
	}
	return out
}

func (r *Result) notInMarket(id string, l geo.Level) string {
	si, found := slices.BinarySearchFunc(r.Schools, id, func(s geo.School, id string) int { return cmp.Compare(s.ID, id) })
	switch {
	case !found:
		return "no such school"
	case r.Schools[si].Selective:
		return "selective school: admits outside residence allocation"
	case !r.Schools[si].Offers(l):
		return fmt.Sprintf("the school does not offer %s", l)
	}
	return fmt.Sprintf("the school has no %s places this round", l)
}

// Text renders the explanation for a family, one fact per line.
func (e *Explanation) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "applicant %s (%s): %s\n", e.ApplicantID, e.Level, e.Status)
	if e.School != "" {
		fmt.Fprintf(&b, "placed at %s, %d m from home, choice %d\n", e.School, e.DistM, e.ChoiceRank)
	}
	fmt.Fprintf(&b, "reason: %s\n", e.Reason)
	prio := e.Priority
	if prio == "" {
		prio = "(none)"
	}
	fmt.Fprintf(&b, "priority group: %s; residence: %s; lottery: %s\n", prio, e.Residence, e.Lottery)
	fmt.Fprintf(&b, "method: %s\n", e.Method)
	if len(e.Above) > 0 {
		if e.School != "" {
			b.WriteString("schools ranked above the placement:\n")
		} else {
			b.WriteString("schools on the list, all full:\n")
		}
		for _, x := range e.Above {
			fmt.Fprintf(&b, "  %d. %s, %d m: %s\n", x.Rank, x.School, x.DistM, x.Why)
		}
	}
	for _, d := range e.Dropped {
		fmt.Fprintf(&b, "preference %s not considered: %s\n", d.School, d.Why)
	}
	if e.Note != "" {
		fmt.Fprintf(&b, "note: %s\n", e.Note)
	}
	return b.String()
}
