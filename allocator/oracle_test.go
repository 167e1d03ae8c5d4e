package allocator

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/require"
)

// The oracle below recomputes lists and priorities by brute force, without
// the R-tree or the engine's data structures, and checks a result against
// the definitions: capacity, lists, and no blocking pair.

type oracle struct {
	in      Input
	schools map[string]*geo.School
}

func newOracle(in Input) *oracle {
	o := &oracle{in: in, schools: map[string]*geo.School{}}
	for i := range in.Schools {
		o.schools[in.Schools[i].ID] = &in.Schools[i]
	}
	return o
}

func (o *oracle) places(s *geo.School, l geo.Level) int {
	if s.HasClass[l] {
		return s.Classes[l] * o.in.Policy.ClassCaps[l]
	}
	return s.Seats[l]
}

func (o *oracle) usable(s *geo.School, l geo.Level) bool {
	return s != nil && !s.Selective && s.Offers(l) && o.places(s, l) > 0
}

type oracleCand struct {
	id string
	d  int
}

// list is the applicant's list: usable preferences within the cap, then
// (a child with a disability, where some usable school is inclusive) every
// other usable inclusive school within the cap by (distance, id), then
// every other usable school within the cap by (distance, id).
func (o *oracle) list(a *geo.Applicant) []oracleCand {
	capM := o.in.Policy.MaxDistanceM[a.Level]
	var out []oracleCand
	for _, id := range a.Preferences {
		s := o.schools[id]
		if o.usable(s, a.Level) && geo.DistanceHaversine(a.Loc, s.Loc) <= capM {
			out = append(out, oracleCand{id, geo.DistanceHaversine(a.Loc, s.Loc)})
		}
	}
	var inclusive, rest []oracleCand
	anyInclusive := false
	for i := range o.in.Schools {
		s := &o.in.Schools[i]
		if !o.usable(s, a.Level) {
			continue
		}
		anyInclusive = anyInclusive || s.Inclusive
		if slices.Contains(a.Preferences, s.ID) {
			continue
		}
		if d := geo.DistanceHaversine(a.Loc, s.Loc); d <= capM {
			if a.Disability && s.Inclusive {
				inclusive = append(inclusive, oracleCand{s.ID, d})
			} else {
				rest = append(rest, oracleCand{s.ID, d})
			}
		}
	}
	if !anyInclusive { // no school is inclusive: nothing to put first
		rest = append(rest, inclusive...)
		inclusive = nil
	}
	byDistance := func(x, y oracleCand) int { return cmp.Or(cmp.Compare(x.d, y.d), cmp.Compare(x.id, y.id)) }
	slices.SortFunc(inclusive, byDistance)
	slices.SortFunc(rest, byDistance)
	return append(append(out, inclusive...), rest...)
}

// key is a's priority tuple at school s, in policy order, ending with the id.
func (o *oracle) key(a *geo.Applicant, s *geo.School) []any {
	var k []any
	for _, key := range o.in.Policy.PriorityOrder {
		switch key {
		case KeyPriority:
			r := slices.Index(o.in.Policy.PriorityGroups, a.Priority)
			if a.Priority == "" {
				r = len(o.in.Policy.PriorityGroups)
			}
			k = append(k, r)
		case KeyInCatchment:
			in := 1
			for _, c := range o.in.Catchments {
				if c.SchoolID == s.ID && c.Level == a.Level && planar.MultiPolygonContains(c.Shape, a.Loc) {
					in = 0
				}
			}
			k = append(k, in)
		case KeyFeeder:
			k = append(k, map[bool]int{true: 0, false: 1}[a.PrimarySchool != "" && slices.Contains(s.Feeder, a.PrimarySchool)])
		case KeyResidence:
			k = append(k, int(a.Residence))
		case KeyDistance:
			k = append(k, geo.DistanceHaversine(a.Loc, s.Loc))
		case KeyLottery:
			k = append(k, fmt.Sprintf("%016x", Lottery(o.in.Seed, a.ID)))
		}
	}
	return append(k, a.ID)
}

func lessKey(x, y []any) bool {
	for i := range x {
		switch xv := x[i].(type) {
		case int:
			if yv := y[i].(int); xv != yv {
				return xv < yv
			}
		case string:
			if yv := y[i].(string); xv != yv {
				return xv < yv
			}
		}
	}
	return false
}

func (o *oracle) weight(a *geo.Applicant) int {
	if a.Disability {
		return 1 + o.in.Policy.DisabilityClassReduction[a.Level]
	}
	return 1
}

// staged reports whether children with a disability are placed in a stage
// of their own at this level.
func (o *oracle) staged(l geo.Level) bool { return o.in.Policy.DisabilityClassReduction[l] > 0 }

// check verifies r against the definitions and returns the first violation.
func (o *oracle) check(r *Result) error {
	type seat struct {
		id string
		l  geo.Level
	}
	admitted := map[seat][]*geo.Applicant{}
	byID := map[string]*Placement{}
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		byID[a.ID] = p
		wantIneligible := r.Policy.ageCheck(a, r.Year) != ""
		if (p.Status == Ineligible) != wantIneligible {
			return fmt.Errorf("%s: status %s, ineligible by age: %v", a.ID, p.Status, wantIneligible)
		}
		list := o.list(a)
		switch p.Status {
		case Assigned:
			s := r.Schools[p.School]
			if int(p.ChoiceRank) < 1 || int(p.ChoiceRank) > len(list) || list[p.ChoiceRank-1].id != s.ID || list[p.ChoiceRank-1].d != int(p.DistM) {
				return fmt.Errorf("%s: placed at %s rank %d, not on its list at that rank: %v", a.ID, s.ID, p.ChoiceRank, list)
			}
			admitted[seat{s.ID, a.Level}] = append(admitted[seat{s.ID, a.Level}], a)
		case Unassigned:
			if p.School != -1 {
				return fmt.Errorf("%s: unassigned with a school", a.ID)
			}
		}
	}
	if len(byID) != countLevels(o.in.Applicants, r.Levels) {
		return fmt.Errorf("result has %d applicants, input %d", len(byID), countLevels(o.in.Applicants, r.Levels))
	}
	// Capacity, per stage.
	for k, as := range admitted {
		s := o.schools[k.id]
		used, disabled := 0, 0
		for _, a := range as {
			used += o.weight(a)
			if a.Disability {
				disabled++
			}
		}
		if used > o.places(s, k.l) {
			return fmt.Errorf("school %s %s over capacity: %d places used of %d", k.id, k.l, used, o.places(s, k.l))
		}
	}
	// No blocking pair: every school above a child's placement is full with
	// children ranked before it in its stage.
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		if p.Status == Ineligible {
			continue
		}
		list := o.list(a)
		for rank, c := range list {
			if p.Status == Assigned && rank+1 >= int(p.ChoiceRank) {
				break
			}
			s := o.schools[c.id]
			if o.wouldAdmit(s, a, admitted[seat{c.id, a.Level}]) {
				return fmt.Errorf("blocking pair: %s (placed %s rank %d) and %s (rank %d)", a.ID, p.Status, p.ChoiceRank, c.id, rank+1)
			}
		}
	}
	return nil
}

// wouldAdmit reports whether s would take a, given the children it admitted:
// a fits in a's stage once every child of that stage ranked after a is
// removed.
func (o *oracle) wouldAdmit(s *geo.School, a *geo.Applicant, admitted []*geo.Applicant) bool {
	l := a.Level
	w := o.weight(a)
	places := o.places(s, l)
	inStage := func(b *geo.Applicant) bool { return !o.staged(l) || b.Disability == a.Disability }
	seats := places
	if o.staged(l) {
		nDisabled := 0
		for _, b := range admitted {
			if b.Disability {
				nDisabled++
			}
		}
		if a.Disability {
			seats = places / w // counted in children
		} else {
			seats = places - nDisabled*(1+o.in.Policy.DisabilityClassReduction[l])
		}
	}
	before := 0
	mine := o.key(a, s)
	for _, b := range admitted {
		if inStage(b) && lessKey(o.key(b, s), mine) {
			before++
		}
	}
	if o.staged(l) {
		return before+1 <= seats
	}
	return before+w <= seats
}

func countLevels(apps []geo.Applicant, levels []geo.Level) int {
	n := 0
	for _, a := range apps {
		if slices.Contains(levels, a.Level) {
			n++
		}
	}
	return n
}

// randomInput builds a small instance around Hanoi with ties, shortages,
// preferences, groups, catchments, feeders and disabilities.
func randomInput(rng *rand.Rand) Input {
	pol := DefaultPolicy()
	pol.PriorityGroups = []string{"g1", "g2"}
	pol.MaxDistanceM = PerLevel{3000, 3000, 3000, 3000, 5000}
	orders := [][]Key{pol.PriorityOrder, {KeyDistance, KeyLottery}, {KeyFeeder, KeyResidence, KeyDistance}, {KeyLottery}, {KeyInCatchment, KeyPriority}}
	pol.PriorityOrder = orders[rng.IntN(len(orders))]
	pos := func() orb.Point {
		// a coarse grid makes equal distances common
		return orb.Point{105.80 + float64(rng.IntN(12))*0.004, 21.00 + float64(rng.IntN(12))*0.004}
	}
	levels := []geo.Level{geo.Preschool3, geo.Grade1, geo.Grade6}
	nSchools := 1 + rng.IntN(16) // more than firstListLen, so that lists are extended
	var in Input
	in.Year, in.Seed, in.Mode, in.Policy = 2026, fmt.Sprint("s", rng.IntN(1000)), Stable, pol
	for i := 0; i < nSchools; i++ {
		s := geo.School{ID: fmt.Sprintf("S%d", i), Loc: pos(), Selective: rng.IntN(10) == 0, Inclusive: rng.IntN(4) == 0}
		for _, l := range levels {
			if rng.IntN(3) > 0 {
				if rng.IntN(4) == 0 {
					s.Classes[l], s.HasClass[l] = rng.IntN(2), true
				} else {
					s.Seats[l], s.HasSeats[l] = rng.IntN(5), true
				}
			}
		}
		if rng.IntN(2) == 0 {
			s.Feeder = []string{"P1"}
		}
		in.Schools = append(in.Schools, s)
		if rng.IntN(3) == 0 {
			c := s.Loc
			in.Catchments = append(in.Catchments, geo.Catchment{SchoolID: s.ID, Level: levels[rng.IntN(3)],
				Shape: orb.MultiPolygon{orb.Polygon{orb.Ring{{c[0] - 0.01, c[1] - 0.01}, {c[0] + 0.01, c[1] - 0.01}, {c[0] + 0.01, c[1] + 0.01}, {c[0] - 0.01, c[1] + 0.01}, {c[0] - 0.01, c[1] - 0.01}}}}})
		}
	}
	nApps := 1 + rng.IntN(40)
	for i := 0; i < nApps; i++ {
		l := levels[rng.IntN(3)]
		a := geo.Applicant{ID: fmt.Sprintf("A%02d", rng.IntN(100)*100+i), Loc: pos(), Level: l,
			BirthYear: 2026 - l.EntryAge(), Residence: geo.Residence(rng.IntN(2)), Disability: rng.IntN(6) == 0}
		if rng.IntN(8) == 0 {
			a.BirthYear -= 1 + rng.IntN(4)
		}
		if g := rng.IntN(6); g < 2 {
			a.Priority = pol.PriorityGroups[g]
		}
		if rng.IntN(2) == 0 {
			a.PrimarySchool = "P1"
		}
		for j := 0; j < rng.IntN(3); j++ {
			id := fmt.Sprintf("S%d", rng.IntN(nSchools))
			if !slices.Contains(a.Preferences, id) {
				a.Preferences = append(a.Preferences, id)
			}
		}
		in.Applicants = append(in.Applicants, a)
	}
	return in
}

func TestStableResultsSatisfyTheDefinitionsOnRandomInstances(t *testing.T) {
	const seed = 20261203
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for iter := 0; iter < 4000; iter++ {
		in := randomInput(rng)
		r, err := Allocate(context.Background(), in)
		require.NoError(t, err, "instance %d", iter)
		require.NoError(t, newOracle(in).check(r), "instance %d", iter)
	}
}
