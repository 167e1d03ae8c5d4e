package flow

import (
	"context"
	"fmt"
)

// Verify checks that s is an optimal solution of p, using only p (calling All for every applicant)
// and s, never the solver's state. With prices π_j from the certificate and an applicant's offer at
// school j written o_ij = π_j + (c_ij - Bonus)·e_t, it checks:
//
//   - s has the right shape, every price is lexicographically >= 0 and within ±2^60;
//   - an assigned applicant's school is among its arcs from All, its offer there is <= 0 (it prefers
//     its seat to none) and <= its offer at every school it lists (reduced costs >= 0);
//   - an unassigned applicant's offers are all >= 0 (no school would take it at a gain);
//   - no school holds more than its capacity, and every school with a positive price is full;
//   - s.Assigned and s.Cost equal the totals recomputed from the arcs.
//
// These are the complementary slackness conditions, which prove s optimal among all assignments
// (package documentation, "Certificate"). On success Verify sets s.Certificate.Verified and
// PairsChecked (the number of arcs checked); on failure it clears Verified and returns an error wrapping
// ErrCertificate, or ErrInvalid/ErrLimit if p itself is malformed.
func Verify(p *Problem, s *Solution) error {
	return verify(context.Background(), p, s, nil)
}

// verifier holds what every worker reads.
type verifier struct {
	p     *Problem
	s     *Solution
	nt    int
	bonus int64
}

// tally is one worker's scratch space and counts.
type tally struct {
	check    *arcChecker
	buf      []Arc
	load     []int64 // per school
	assigned []int64 // per tier
	cost     []int64 // per tier
	pairs    int64
}

func verify(ctx context.Context, p *Problem, s *Solution, progress func(string, int, int)) error {
	if err := validate(p); err != nil {
		return err
	}
	if s == nil {
		return fmt.Errorf("%w: nil solution", ErrCertificate)
	}
	s.Certificate.Verified, s.Certificate.PairsChecked = false, 0
	v := &verifier{p: p, s: s, nt: tiers(p), bonus: bonusFor(len(p.Capacity))}
	if err := v.shape(); err != nil {
		return err
	}
	m := len(p.Capacity)
	ts := make([]*tally, workers(p))
	for w := range ts {
		ts[w] = &tally{check: newArcChecker(m), load: make([]int64, m),
			assigned: make([]int64, v.nt), cost: make([]int64, v.nt)}
	}
	var report func(int)
	if progress != nil {
		report = func(done int) { progress("verify", done, p.Applicants) }
	}
	err := forChunks(ctx, p.Applicants, len(ts), func(w, _, lo, hi int) error {
		for i := lo; i < hi; i++ {
			if err := v.applicant(ts[w], i); err != nil {
				return err
			}
		}
		return nil
	}, report)
	if err != nil {
		return err
	}
	return v.totals(ts)
}

// shape checks the sizes and the price vectors of s.
func (v *verifier) shape() error {
	p, s, c := v.p, v.s, &v.s.Certificate
	m := len(p.Capacity)
	switch {
	case len(s.School) != p.Applicants:
		return fmt.Errorf("%w: %d schools for %d applicants", ErrCertificate, len(s.School), p.Applicants)
	case len(s.Assigned) != v.nt || len(s.Cost) != v.nt:
		return fmt.Errorf("%w: per-tier totals have lengths %d and %d, want %d",
			ErrCertificate, len(s.Assigned), len(s.Cost), v.nt)
	case c.Tiers != v.nt || c.Bonus != v.bonus:
		return fmt.Errorf("%w: certificate has %d tiers and bonus %d, want %d and %d",
			ErrCertificate, c.Tiers, c.Bonus, v.nt, v.bonus)
	case len(c.Price) != m*v.nt:
		return fmt.Errorf("%w: %d prices, want %d", ErrCertificate, len(c.Price), m*v.nt)
	}
	for i, j := range s.School {
		if j < -1 || int(j) >= m {
			return fmt.Errorf("%w: applicant %d: school %d out of range", ErrCertificate, i, j)
		}
	}
	for j := 0; j < m; j++ {
		if pj := v.priceOf(int32(j)); !inRange(pj) || signVec(pj) < 0 {
			return fmt.Errorf("%w: school %d: price %v is negative or out of range", ErrCertificate, j, pj)
		}
	}
	return nil
}

func (v *verifier) priceOf(j int32) []int64 {
	return v.s.Certificate.Price[int(j)*v.nt : int(j+1)*v.nt]
}

// applicant checks applicant i's reduced costs over every arc from All and counts its seat.
func (v *verifier) applicant(w *tally, i int) error {
	w.buf = v.p.All(i, w.buf[:0])
	if err := w.check.check(i, "All", w.buf); err != nil {
		return err
	}
	w.pairs += int64(len(w.buf))
	t, j := tierOf(v.p, i), v.s.School[i]
	if j < 0 {
		for _, a := range w.buf {
			if signOffer(v.priceOf(a.School), int64(a.Cost), v.bonus, t) < 0 {
				return fmt.Errorf("%w: applicant %d is unassigned but school %d has a negative reduced cost",
					ErrCertificate, i, a.School)
			}
		}
		return nil
	}
	if w.check.seen[j] != int32(i+1) {
		return fmt.Errorf("%w: applicant %d: school %d is not among its arcs", ErrCertificate, i, j)
	}
	cj := int64(w.check.cost[j])
	if signOffer(v.priceOf(j), cj, v.bonus, t) > 0 {
		return fmt.Errorf("%w: applicant %d: its seat at school %d is worth less than none",
			ErrCertificate, i, j)
	}
	for _, a := range w.buf {
		if cmpOffer(v.priceOf(a.School), int64(a.Cost), v.priceOf(j), cj, t) < 0 {
			return fmt.Errorf("%w: applicant %d: school %d has a lower reduced cost than its school %d",
				ErrCertificate, i, a.School, j)
		}
	}
	w.load[j]++
	w.assigned[t]++
	w.cost[t] += cj
	return nil
}

// totals checks capacities, full schools and the per-tier totals, then marks s verified.
func (v *verifier) totals(ts []*tally) error {
	p, s := v.p, v.s
	var pairs int64
	assigned, cost := make([]int64, v.nt), make([]int64, v.nt)
	for j, c := range p.Capacity {
		var load int64
		for _, w := range ts {
			load += w.load[j]
		}
		if load > int64(c) {
			return fmt.Errorf("%w: school %d: %d assigned, capacity %d", ErrCertificate, j, load, c)
		}
		if load < int64(c) && signVec(v.priceOf(int32(j))) > 0 {
			return fmt.Errorf("%w: school %d has a positive price but %d of %d seats taken",
				ErrCertificate, j, load, c)
		}
	}
	for _, w := range ts {
		pairs += w.pairs
		for t := range assigned {
			assigned[t] += w.assigned[t]
			cost[t] += w.cost[t]
		}
	}
	for t := range assigned {
		if assigned[t] != int64(s.Assigned[t]) || cost[t] != s.Cost[t] {
			return fmt.Errorf("%w: tier %d: reported %d assigned at cost %d, arcs give %d at %d",
				ErrCertificate, t, s.Assigned[t], s.Cost[t], assigned[t], cost[t])
		}
	}
	s.Certificate.Verified, s.Certificate.PairsChecked = true, pairs
	return nil
}
