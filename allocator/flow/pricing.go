package flow

import (
	"context"
	"fmt"
	"math/bits"
)

// Pricing: one pass over every arc from All with the current prices and cost scale. An arc not yet in the restricted
// problem whose offer beats the applicant's current node has a negative reduced cost; all of them are
// collected, in applicant order, and added before the next round. The pass also checks that the
// restricted arcs are among All's, and computes the price that schools without seats need so that no
// applicant prefers them (their arcs never enter the restricted problem).

// newArc is an arc found by pricing.
type newArc struct {
	app    int32
	school int32
	cost   int32
}

// pricingResult is the outcome of one pricing pass.
type pricingResult struct {
	arcs  []newArc
	need  []int64 // per school without seats: the least price it needs, nt components (others zero)
	pairs int64
	gaps  [65]int // applicants with new arcs by bits.Len64 of their largest gain, see gain
}

// movers returns the number of applicants with new arcs.
func (r *pricingResult) movers() int {
	total := 0
	for _, c := range r.gaps {
		total += c
	}
	return total
}

// typicalGain returns the number of bits of the gain that 90% of the applicants with new arcs do not
// exceed.
func (r *pricingResult) typicalGain() uint {
	total, seen := r.movers(), 0
	for b, c := range r.gaps {
		if seen += c; 10*seen >= 9*total {
			return uint(b)
		}
	}
	return 64
}

// pricer is one worker's scratch space.
type pricer struct {
	check *arcChecker
	inR   []int32 // per school: 1 + the applicant whose restricted arcs include it
	buf   []Arc
	need  []int64 // like pricingResult.need
	cur   []int64 // the applicant's current offer (scratch)
	pairs int64
	gaps  [65]int
}

// pricing runs a pricing pass.
func (s *solver) pricing(ctx context.Context) (*pricingResult, error) {
	nw := workers(s.p)
	pr := make([]*pricer, nw)
	for w := range pr {
		pr[w] = &pricer{check: newArcChecker(s.m), inR: make([]int32, s.m),
			need: make([]int64, s.m*s.nt), cur: make([]int64, s.nt)}
	}
	chunks := make([][]newArc, (s.n+chunkSize-1)/chunkSize)
	err := forChunks(ctx, s.n, nw, func(w, c, lo, hi int) error {
		var err error
		chunks[c], err = s.priceChunk(pr[w], lo, hi)
		return err
	}, func(done int) { s.progress("pricing", done, s.n) })
	if err != nil {
		return nil, err
	}
	res := &pricingResult{need: make([]int64, s.m*s.nt)}
	for _, c := range chunks {
		res.arcs = append(res.arcs, c...)
	}
	for _, w := range pr {
		res.pairs += w.pairs
		for b, c := range w.gaps {
			res.gaps[b] += c
		}
		for j := 0; j < s.m; j++ {
			a, b := res.need[j*s.nt:(j+1)*s.nt], w.need[j*s.nt:(j+1)*s.nt]
			if cmpVec(b, a) > 0 {
				copy(a, b)
			}
		}
	}
	return res, nil
}

// priceChunk prices applicants [lo, hi) and returns the arcs to add.
func (s *solver) priceChunk(w *pricer, lo, hi int) ([]newArc, error) {
	var found []newArc
	for i := lo; i < hi; i++ {
		w.buf = s.p.All(i, w.buf[:0])
		if err := w.check.check(i, "All", w.buf); err != nil {
			return nil, err
		}
		w.pairs += int64(len(w.buf))
		app := int32(i)
		schools, costs := s.arcs.of(app)
		for k, j := range schools {
			if !w.check.has(i, j, costs[k]) {
				return nil, fmt.Errorf("%w: applicant %d: Initial arc to school %d at cost %d is not among All's",
					ErrInvalid, i, j, costs[k])
			}
			w.inR[j] = int32(i + 1)
		}
		found = s.priceApplicant(w, app, found)
	}
	return found, nil
}

// priceApplicant appends applicant i's arcs with a negative reduced cost to found, and raises the
// needed price of schools without seats.
func (s *solver) priceApplicant(w *pricer, i int32, found []newArc) []newArc {
	t := int(s.tier[i])
	at := s.loc[i]
	var atCost, gain int64
	if at != s.pool {
		atCost = int64(s.scaled(s.arcs.costAt(i, at)))
	}
	for _, a := range w.buf {
		j, c := a.School, int64(s.scaled(a.Cost))
		if s.capacity[j] == 0 {
			s.raiseNeed(w, i, j, c)
			continue
		}
		if w.inR[j] == i+1 {
			continue
		}
		var d int
		if at == s.pool {
			d = signOffer(s.priceOf(j), c, s.bonusS, t)
		} else {
			d = cmpOffer(s.priceOf(j), c, s.priceOf(at), atCost, t)
		}
		if d < 0 || (d == 0 && s.shift > 0) {
			found = append(found, newArc{i, j, a.Cost})
			gain = max(gain, s.gain(i, at, atCost, j, c))
		}
	}
	if gain > 0 {
		w.gaps[bits.Len64(uint64(gain))]++
	}
	return found
}

// gain returns how much applicant i (of tier t, now at node at with scaled cost atCost) gains by moving
// to school j at scaled cost c: the first non-zero component of the difference of the offers.
func (s *solver) gain(i, at int32, atCost int64, j int32, c int64) int64 {
	t := int(s.tier[i])
	pj := s.priceOf(j)
	for k := range pj {
		var cur, next int64
		if at != s.pool {
			cur = s.priceOf(at)[k]
		}
		next = pj[k]
		if k == t {
			next += c - s.bonusS
			if at != s.pool {
				cur += atCost - s.bonusS
			}
		}
		if cur != next {
			return cur - next
		}
	}
	return 0
}

// raiseNeed makes w.need[j] at least what school j (without seats) must charge so that applicant i,
// which lists it at (scaled) cost c, does not prefer it: its current offer minus (c - Bonus)·e_t.
func (s *solver) raiseNeed(w *pricer, i, j int32, c int64) {
	t := int(s.tier[i])
	at := s.loc[i]
	if at == s.pool {
		clear(w.cur)
		w.cur[t] = s.bonusS - c
	} else {
		copy(w.cur, s.priceOf(at))
		w.cur[t] += int64(s.scaled(s.arcs.costAt(i, at))) - c
	}
	if need := w.need[int(j)*s.nt : int(j+1)*s.nt]; cmpVec(w.cur, need) > 0 {
		copy(need, w.cur)
	}
}
