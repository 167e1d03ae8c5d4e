package allocator

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/catchment/catchment/geo"
)

// Progress receives progress of long steps: a stage name and how much of it
// is done. It may be called from several goroutines at once.
type Progress func(stage string, done, total int)

// Report calls p when it is not nil.
func (p Progress) Report(stage string, done, total int) {
	if p != nil {
		p(stage, done, total)
	}
}

// Input is everything one allocation needs. The engine copies what it
// reorders; the caller's slices are not modified.
type Input struct {
	Year       int // the calendar year the school year starts
	Seed       string
	Mode       Mode
	Policy     Policy
	Levels     []geo.Level // levels to allocate; nil means all
	Schools    []geo.School
	Applicants []geo.Applicant
	Catchments []geo.Catchment // published routes; nil when none
	// Compare also runs the other mode and reports the price of stability
	// (Result.Comparison); the result itself is the Mode's.
	Compare  bool
	Progress Progress
}

// Allocate runs one allocation. It fails on an invalid policy, an unknown
// mode, an applicant of an unknown priority group, or when ctx ends.
func Allocate(ctx context.Context, in Input) (*Result, error) {
	if err := in.Policy.Validate(); err != nil {
		return nil, err
	}
	if in.Mode != Stable && in.Mode != Optimal {
		return nil, fmt.Errorf("allocator: unknown mode %q (want stable or optimal)", in.Mode)
	}
	if ps := in.Policy.CheckApplicants("applicants", in.Applicants); len(ps) > 0 {
		return nil, ps
	}
	r := newResult(in)
	eligible := r.checkEligibility()
	// Levels are independent markets: allocate them side by side, the
	// largest first so that the cores stay busy to the end.
	order := slices.Clone(r.Levels)
	slices.SortStableFunc(order, func(a, b geo.Level) int { return len(eligible[b]) - len(eligible[a]) })
	queue := make(chan geo.Level, len(order))
	for _, l := range order {
		queue <- l
	}
	close(queue)
	errs := make([]error, geo.NumLevels)
	var wg sync.WaitGroup
	for w := 0; w < min(runtime.GOMAXPROCS(0), len(order)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for l := range queue {
				errs[l] = r.allocateLevel(ctx, l, eligible[l], in.Catchments, in.Progress)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if in.Compare {
		if err := r.addComparison(ctx, in); err != nil {
			return nil, err
		}
	}
	if r.Mode == Optimal {
		r.Optimality = r.optimality()
	}
	return r, nil
}

// addComparison allocates the same input in the other mode and records
// the price of stability, and the certificate when the other mode is the
// optimal one.
func (r *Result) addComparison(ctx context.Context, in Input) error {
	in.Mode, in.Compare = otherMode(r.Mode), false
	other, err := Allocate(ctx, in)
	if err != nil {
		return err
	}
	stable, optimal := r, other
	if r.Mode == Optimal {
		stable, optimal = other, r
	}
	if r.Comparison, err = compare(ctx, stable, optimal); err != nil {
		return err
	}
	if r.Mode == Stable {
		r.Optimality = other.Optimality
	}
	return nil
}

// newResult sorts the inputs by id, keeps the applicants of the levels to
// allocate, draws the lottery and lays out the offers.
func newResult(in Input) *Result {
	r := &Result{Year: in.Year, Seed: in.Seed, Mode: in.Mode, Policy: in.Policy, Levels: in.Levels}
	if len(r.Levels) == 0 {
		r.Levels = geo.Levels()
	}
	r.Levels = slices.Clone(r.Levels)
	slices.Sort(r.Levels)
	r.Levels = slices.Compact(r.Levels)
	r.Schools = sortedByID(in.Schools, func(s *geo.School) string { return s.ID }, nil)
	r.Applicants = sortedByID(in.Applicants, func(a *geo.Applicant) string { return a.ID },
		func(a *geo.Applicant) bool { return slices.Contains(r.Levels, a.Level) })
	r.Placements = make([]Placement, len(r.Applicants))
	_ = parallel(context.Background(), len(r.Applicants), nil, "", func(i int) {
		r.Placements[i] = Placement{School: -1, Lottery: Lottery(r.Seed, r.Applicants[i].ID)}
	})
	r.layOffers()
	return r
}

// sortedByID returns the items that keep accepts (all when keep is nil),
// sorted by id in byte order. It sorts (id, position) pairs rather than the
// large structs themselves.
func sortedByID[T any](items []T, id func(*T) string, keep func(*T) bool) []T {
	type entry struct {
		id  string
		pos int32
	}
	order := make([]entry, 0, len(items))
	for i := range items {
		if keep == nil || keep(&items[i]) {
			order = append(order, entry{id(&items[i]), int32(i)})
		}
	}
	slices.SortFunc(order, func(a, b entry) int { return strings.Compare(a.id, b.id) })
	out := make([]T, len(order))
	for i, e := range order {
		out[i] = items[e.pos]
	}
	return out
}

// layOffers creates one offer per (school, level) the school lists, in
// (school id, level) order; selective schools are excluded instead.
func (r *Result) layOffers() {
	for si := range r.Schools {
		s := &r.Schools[si]
		if s.Selective {
			r.Excluded = append(r.Excluded, int32(si))
			continue
		}
		for _, l := range r.Levels {
			if !s.Offers(l) {
				continue
			}
			seats := s.Seats[l]
			if s.HasClass[l] {
				seats = s.Classes[l] * r.Policy.ClassCaps[l]
			}
			r.Offers = append(r.Offers, Offer{School: int32(si), Level: l, Seats: seats, Cutoff: -1})
		}
	}
}

// checkEligibility marks the applicants whose birth year does not fit and
// returns the others by level.
func (r *Result) checkEligibility() [geo.NumLevels][]int32 {
	var eligible [geo.NumLevels][]int32
	for i := range r.Applicants {
		a := &r.Applicants[i]
		if why := r.Policy.ageCheck(a, r.Year); why != "" {
			r.Placements[i].Status, r.Placements[i].Reason = Ineligible, why
			continue
		}
		eligible[a.Level] = append(eligible[a.Level], int32(i))
	}
	return eligible
}

// allocateLevel builds the level's market, runs the mode's algorithm and
// records placements and offer statistics.
func (r *Result) allocateLevel(ctx context.Context, l geo.Level, eligible []int32, cats []geo.Catchment, progress Progress) error {
	m, err := r.newMarket(ctx, l, eligible, cats, progress)
	if err != nil {
		return err
	}
	r.markets[l] = m
	progress.Report("allocate "+l.String(), 0, len(m.apps))
	switch r.Mode {
	case Stable:
		err = m.runStable(ctx)
	case Optimal:
		err = m.runOptimal(ctx, progress)
	}
	if err != nil {
		return err
	}
	m.record(r)
	progress.Report("allocate "+l.String(), len(m.apps), len(m.apps))
	return nil
}
