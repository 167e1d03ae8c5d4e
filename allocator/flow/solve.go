package flow

import (
	"context"
	"fmt"
	"time"
)

var debugf func(string, ...any)

// Solve returns an assignment of p's applicants to schools that is optimal over every arc from p.All
// under the lexicographic tier objective (see the package documentation), with a certificate that
// Verify has accepted. The result depends only on p's data and the order of its arcs, not on
// GOMAXPROCS, Workers or scheduling.
//
// progress, if not nil, is called from the calling goroutine with a stage ("initial", "augment",
// "pricing", "verify") and how much of it is done; "augment" and "pricing" repeat once per round.
//
// Errors wrap ErrInvalid or ErrLimit for bad input (naming the applicant and arc), ErrCertificate if
// the final check fails (a bug, or callbacks that answer differently on repeated calls), or ctx's error
// if ctx is cancelled or expires; Solve checks ctx between phases and every few thousand applicants.
func Solve(ctx context.Context, p *Problem, progress func(stage string, done, total int)) (*Solution, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	if err := validate(p); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("flow: %w", err)
	}
	s := newSolver(p, progress)
	if err := s.loadInitial(ctx); err != nil {
		return nil, err
	}
	limit := p.MaxRounds
	if limit == 0 {
		limit = DefaultMaxRounds
	}
	s.coldStart()
	need, rounds, err := s.rounds(ctx, limit)
	if err != nil {
		return nil, err
	}
	sol := s.solution(need, rounds)
	if err := verify(ctx, p, sol, progress); err != nil {
		return nil, err
	}
	return sol, nil
}

// pricingStride: pricing runs after solving at every scale divisible by it. Pricing at coarse scales
// finds most missing arcs while the prices are still cheap to correct.
const pricingStride = 4

// bulkMovers: when pricing moves at least this many applicants, the solver goes back to a coarser
// scale (by the typical gain of a move) before routing, because long moves are cheap to route at a
// coarse scale and expensive at a fine one.
var bulkMovers = 1000

// rounds solves the restricted problem at every scale from the coarsest to the true costs. It prices
// at the coarsest scale until nothing is found (there all costs round to zero, so this settles how
// many applicants get a seat), then at every scale divisible by pricingStride, and at scale 0 until
// nothing is found. Each pricing round that finds arcs adds at least one arc that was not in the
// restricted problem (restricted arcs never have a negative reduced cost after routing), so there are
// at most (number of arcs) + 1 rounds; the limit stops earlier. It returns the prices needed by schools
// without seats and the number of pricing rounds.
func (s *solver) rounds(ctx context.Context, limit int) ([]int64, int, error) {
	top := s.shift
	nextPricing := top
	for round := 0; ; {
		ph, au, mv, t0 := s.stats.Phases, s.stats.Augmentations, s.stats.Moves, time.Now()
		ex := s.excess()
		if err := s.route(ctx); err != nil {
			return nil, 0, err
		}
		if debugf != nil {
			debugf("shift %d pairs %d entries %d excess %d phases %d augs %d moves %d arcs %d time %v", s.shift, len(s.g.pairs), s.g.entries, ex, s.stats.Phases-ph, s.stats.Augmentations-au, s.stats.Moves-mv, len(s.arcs.school), time.Since(t0))
		}
		if err := s.clampEmpty(); err != nil {
			return nil, 0, err
		}
		if s.shift <= nextPricing {
			res, err := s.pricing(ctx)
			if err != nil {
				return nil, 0, err
			}
			round++
			if debugf != nil {
				debugf("pricing at %d: %d arcs, %d movers, typical gain %d bits", s.shift, len(res.arcs), res.movers(), res.typicalGain())
			}
			if len(res.arcs) > 0 {
				if round >= limit {
					return nil, 0, fmt.Errorf("%w: %d arcs still improve after %d pricing rounds",
						ErrLimit, len(res.arcs), round)
				}
				s.addArcs(res.arcs)
				at := s.shift
				if at < top && res.movers() >= bulkMovers {
					s.coarsen(min(top-at, res.typicalGain(), maxCoarsen))
				}
				if at != top && at > 0 {
					nextPricing = at - min(at, pricingStride)
				}
				continue
			}
			if s.shift == 0 {
				return res.need, round, nil
			}
			nextPricing = s.shift - min(s.shift, pricingStride)
		}
		s.refine()
	}
}

// maxCoarsen bounds how far back towards coarse scales the solver goes after pricing.
var maxCoarsen uint = 4

// route runs phases (shortest paths, price update, augmentations) until no balance is positive. Every
// phase sends at least one unit (the shortest path to the nearest sink becomes admissible, and a sink
// is always reachable: see the package documentation), so the phases are at most the total positive
// balance at the start.
func (s *solver) route(ctx context.Context) error {
	total, done := s.excess(), 0
	var srcs []int32
	for {
		srcs = s.sources(srcs[:0])
		if len(srcs) == 0 {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("flow: %w", err)
		}
		if err := s.shortestPaths(srcs); err != nil {
			return err
		}
		if err := s.updatePrices(); err != nil {
			return err
		}
		sent := s.augment(srcs)
		if sent == 0 {
			return fmt.Errorf("flow: internal error: a phase found no augmenting path")
		}
		s.stats.Phases++
		done += sent
		s.progress("augment", done, total)
		s.maybeCompact()
	}
}

// sources appends the nodes with a positive balance: schools in index order, then the pool.
func (s *solver) sources(dst []int32) []int32 {
	for v, b := range s.bal {
		if b > 0 {
			dst = append(dst, int32(v))
		}
	}
	return dst
}

// excess returns the total positive balance.
func (s *solver) excess() int {
	total := int64(0)
	for _, b := range s.bal {
		total += max(b, 0)
	}
	return int(total)
}

// extendArcs adds the arcs found by pricing (sorted by applicant) to the restricted problem.
func (s *solver) extendArcs(found []newArc) {
	old := s.arcs
	next := arcSet{
		start:  make([]int, s.n+1),
		school: make([]int32, 0, len(old.school)+len(found)),
		cost:   make([]int32, 0, len(old.school)+len(found)),
	}
	k := 0
	for i := 0; i < s.n; i++ {
		lo, hi := old.start[i], old.start[i+1]
		next.school = append(next.school, old.school[lo:hi]...)
		next.cost = append(next.cost, old.cost[lo:hi]...)
		for ; k < len(found) && found[k].app == int32(i); k++ {
			next.school = append(next.school, found[k].school)
			next.cost = append(next.cost, found[k].cost)
		}
		next.start[i+1] = len(next.school)
	}
	s.arcs = next
	s.stats.AddedArcs += int64(len(found))
}

// addArcs extends the arcs with those found by pricing, moves each applicant that got new arcs to its
// best node under the current prices (or adds its new moves if it stays). Flows are kept, so the balances are
// exactly the moves: schools that gained applicants are sources, schools that lost them sinks.
func (s *solver) addArcs(found []newArc) {
	s.extendArcs(found)
	for k := 0; k < len(found); {
		i, n := found[k].app, 0
		for k+n < len(found) && found[k+n].app == i {
			n++
		}
		if v := s.bestNode(i, false); v != s.loc[i] {
			s.move(i, v)
		} else {
			s.insertNew(i, n)
		}
		k += n
	}
	s.flush()
	s.rebalance()
}

// solution builds the Solution from the final state.
func (s *solver) solution(need []int64, rounds int) *Solution {
	sol := &Solution{
		School:   make([]int32, s.n),
		Assigned: make([]int, s.nt),
		Cost:     make([]int64, s.nt),
		Stats:    s.stats,
	}
	for i, v := range s.loc {
		if v == s.pool {
			sol.School[i] = -1
			continue
		}
		sol.School[i] = v
		t := s.tier[i]
		sol.Assigned[t]++
		sol.Cost[t] += int64(s.arcs.costAt(int32(i), v))
	}
	price := make([]int64, s.m*s.nt)
	copy(price, s.price)
	for j, c := range s.capacity {
		if c == 0 {
			copy(price[j*s.nt:(j+1)*s.nt], need[j*s.nt:(j+1)*s.nt])
		}
	}
	sol.Certificate = Certificate{Rounds: rounds, Tiers: s.nt, Bonus: s.bonus, Price: price}
	return sol
}
