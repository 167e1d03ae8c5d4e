package flow

import (
	"cmp"
	"context"
	"fmt"
	"math/bits"
	"slices"
)

// arcSet holds the restricted problem's arcs of every applicant (compressed rows).
type arcSet struct {
	start  []int // applicant i's arcs are [start[i], start[i+1])
	school []int32
	cost   []int32
}

func (a *arcSet) of(i int32) (schools, costs []int32) {
	lo, hi := a.start[i], a.start[i+1]
	return a.school[lo:hi], a.cost[lo:hi]
}

// costAt returns applicant i's cost at school j, which must be one of its arcs.
func (a *arcSet) costAt(i, j int32) int32 {
	schools, costs := a.of(i)
	for k, s := range schools {
		if s == j {
			return costs[k]
		}
	}
	return -1
}

// leave records that an applicant left a node.
type leave struct{ from, app int32 }

// solver is the state of one Solve call: the restricted problem, the current assignment (a pseudoflow
// on the school graph) and the seat prices.
//
// Nodes 0..m-1 are schools, node m is the pool of unassigned applicants. School j sends flow[j] units
// (0 <= flow[j] <= Capacity[j]) on to the sink; its balance is load[j] - flow[j]: positive means it
// holds applicants it has no seat for, negative means it was promised applicants it does not hold. The
// pool's balance makes the balances sum to zero. Prices satisfy the reduced-cost condition on every
// residual edge (see the package documentation) at all times.
type solver struct {
	p        *Problem
	progress func(stage string, done, total int)
	n, m, nt int
	pool     int32
	bonus    int64 // Bonus at scale 0
	shift    uint  // costs are divided by 2^shift (rounded down), see refine
	bonusS   int64 // bonus >> shift
	capacity []int32
	tier     []uint8
	arcs     arcSet
	loc      []int32 // per applicant: its node
	load     []int32 // per school: applicants there
	flow     []int32 // per school: seats counted as filled
	bal      []int64 // per node
	moved    []int32 // applicants moved in this phase, see move
	logged   []bool  // per applicant: in moved
	leaves   []leave // moves in this phase, by the node left
	price    []int64 // per node, nt components; the pool's price is always zero
	g        *graph
	batches  []*batch // one per worker, see fillNodes
	sp       spScratch
	aug      augScratch
	stats    Stats
}

func newSolver(p *Problem, progress func(string, int, int)) *solver {
	n, m := p.Applicants, len(p.Capacity)
	s := &solver{
		p: p, progress: progress, n: n, m: m, nt: tiers(p), pool: int32(m), bonus: bonusFor(m),
		bonusS:   bonusFor(m),
		capacity: p.Capacity,
		tier:     p.Tier,
		loc:      make([]int32, n),
		load:     make([]int32, m),
		flow:     make([]int32, m),
		bal:      make([]int64, m+1),
		logged:   make([]bool, n),
	}
	if s.tier == nil {
		s.tier = make([]uint8, n)
	}
	s.price = make([]int64, (m+1)*s.nt)
	s.g = newGraph(m+1, s.bonus)
	s.batches = make([]*batch, workers(p))
	for w := range s.batches {
		s.batches[w] = newBatch(m + 1)
	}
	s.sp.init(m+1, s.nt)
	s.aug.init(m + 1)
	return s
}

// priceOf returns node v's price vector.
func (s *solver) priceOf(v int32) []int64 {
	return s.price[int(v)*s.nt : int(v+1)*s.nt]
}

// loadInitial reads the Initial arcs, dropping arcs to schools without seats.
func (s *solver) loadInitial(ctx context.Context) error {
	check := newArcChecker(s.m)
	s.arcs.start = make([]int, s.n+1)
	var buf []Arc
	for i := 0; i < s.n; i++ {
		if i%(1<<14) == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("flow: %w", err)
			}
			s.progress("initial", i, s.n)
		}
		buf = s.p.Initial(i, buf[:0])
		if err := check.check(i, "Initial", buf); err != nil {
			return err
		}
		for _, a := range buf {
			if s.capacity[a.School] > 0 {
				s.arcs.school = append(s.arcs.school, a.School)
				s.arcs.cost = append(s.arcs.cost, a.Cost)
			}
		}
		s.arcs.start[i+1] = len(s.arcs.school)
	}
	s.progress("initial", s.n, s.n)
	s.stats.InitialArcs = int64(len(s.arcs.school))
	return nil
}

// topScale returns the coarsest useful scale: the one at which every restricted cost rounds to zero.
func (s *solver) topScale() uint {
	top := int32(0)
	for _, c := range s.arcs.cost {
		top = max(top, c)
	}
	return uint(max(0, bits.Len32(uint32(top))-coarsestBits))
}

// coarsestBits: at the coarsest scale the restricted costs take at most 2^coarsestBits values.
var coarsestBits = 4

// coldStart picks the coarsest cost scale, seats every applicant at its nearest arc (all prices are
// zero) and counts every seat as filled, so overfull schools are sources and schools with free seats
// are sinks.
func (s *solver) coldStart() {
	s.setScale(s.topScale())
	for i := range s.loc {
		s.loc[i] = s.pool
		s.place(int32(i), s.bestNode(int32(i), false))
	}
	copy(s.flow, s.capacity)
	s.rebuild()
	s.rebalance()
}

// scaleStep is the number of cost bits each refinement adds.
var scaleStep uint = 2

// setScale sets the cost scale: costs and the bonus are divided by 2^shift, rounding down.
func (s *solver) setScale(shift uint) {
	s.shift, s.bonusS = shift, s.bonus>>shift
	s.g.setBonus(s.bonusS)
}

// scaled returns cost c at the current scale.
func (s *solver) scaled(c int32) int32 { return c >> s.shift }

// refine moves to the next finer scale: costs and bonus double (plus their next bit), so doubling the
// prices keeps every reduced cost that was >= 1 non-negative; applicants whose current node is no
// longer their best (they were tied) move to their best, and the balances record those moves.
func (s *solver) refine() {
	step := min(s.shift, scaleStep)
	for k := range s.price {
		s.price[k] <<= step
	}
	s.setScale(s.shift - step)
	for i := range s.loc {
		s.place(int32(i), s.bestNode(int32(i), true))
	}
	s.rebuild()
	s.rebalance()
}

// coarsen goes back from scale 0 to a coarser scale after pricing added arcs: prices are divided by
// 2^shift (rounding down), every applicant moves to its best node under them, and each school's flow is
// set by the sign of its price (full if positive, empty if negative, unchanged if zero) so that every
// residual edge has a reduced cost >= 0 again.
func (s *solver) coarsen(up uint) {
	for k := range s.price {
		s.price[k] >>= up
	}
	s.setScale(s.shift + up)
	for j := int32(0); j < int32(s.m); j++ {
		switch signVec(s.priceOf(j)) {
		case 1:
			s.flow[j] = s.capacity[j]
		case -1:
			s.flow[j] = 0
		}
	}
	for i := range s.loc {
		s.place(int32(i), s.bestNode(int32(i), true))
	}
	s.rebuild()
	s.rebalance()
}

// bestNode returns applicant i's cheapest node under the current prices and scale: the school with the
// lowest offer (ties: nearest, then lowest index), or the pool if no offer is below zero. With keep, the
// applicant's current node wins ties.
func (s *solver) bestNode(i int32, keep bool) int32 {
	t := int(s.tier[i])
	best, bestCost := s.pool, int32(0)
	schools, costs := s.arcs.of(i)
	for k, j := range schools {
		c := costs[k]
		if best == s.pool {
			if signOffer(s.priceOf(j), int64(c>>s.shift), s.bonusS, t) < 0 {
				best, bestCost = j, c
			}
			continue
		}
		d := cmpOffer(s.priceOf(j), int64(c>>s.shift), s.priceOf(best), int64(bestCost>>s.shift), t)
		if d < 0 || (d == 0 && (c < bestCost || (c == bestCost && j < best))) {
			best, bestCost = j, c
		}
	}
	if keep && best != s.loc[i] && s.tied(i, best, bestCost) {
		return s.loc[i]
	}
	return best
}

// tied reports whether applicant i's current node is as cheap as node best (at cost bestCost).
func (s *solver) tied(i, best int32, bestCost int32) bool {
	t, at := int(s.tier[i]), s.loc[i]
	if at == s.pool {
		return signOffer(s.priceOf(best), int64(bestCost>>s.shift), s.bonusS, t) == 0
	}
	c := s.arcs.costAt(i, at) >> s.shift
	if best == s.pool {
		return signOffer(s.priceOf(at), int64(c), s.bonusS, t) == 0
	}
	return cmpOffer(s.priceOf(at), int64(c), s.priceOf(best), int64(bestCost>>s.shift), t) == 0
}

// rebalance recomputes every balance from load and flow.
func (s *solver) rebalance() {
	var sum int64
	for j := 0; j < s.m; j++ {
		s.bal[j] = int64(s.load[j]) - int64(s.flow[j])
		sum += s.bal[j]
	}
	s.bal[s.pool] = -sum
}

// rebuild refills every pair heap from the current assignment, one node at a time (so that the heaps
// being filled stay in cache), the nodes in parallel.
func (s *solver) rebuild() {
	s.g.reset()
	start := make([]int, s.m+2)
	for _, v := range s.loc {
		start[v+1]++
	}
	for v := 1; v < len(start); v++ {
		start[v] += start[v-1]
	}
	order := make([]int32, s.n)
	next := slices.Clone(start[:s.m+1])
	for i, v := range s.loc {
		order[next[v]] = int32(i)
		next[v]++
	}
	s.fillNodes(order, start)
	s.stats.Rebuilds++
}

// parallelMin is the least number of items (moves, applicants) for which the heap updates of flush and
// rebuild are spread over the workers; below it, starting goroutines costs more than it saves.
const parallelMin = 1024

// spread returns the number of workers for a heap update of n items.
func (s *solver) spread(n int) int {
	if n < parallelMin {
		return 1
	}
	return len(s.batches)
}

// groupStarts appends to dst the start of every run of equal node(k) in [0, n), then n.
func groupStarts(dst []int, n int, node func(k int) int32) []int {
	for k := 0; k < n; k++ {
		if k == 0 || node(k) != node(k-1) {
			dst = append(dst, k)
		}
	}
	return append(dst, n)
}

// fillNodes adds the moves of the applicants apps[start[g]:start[g+1]] out of their node, for every
// group g (each one node, in increasing node order), and marks them as no longer moved. Nodes are
// independent, so they are filled in parallel; pairs that do not exist yet are then created in node
// order (see batch), which makes the heaps and pair lists the same as a serial fill's.
func (s *solver) fillNodes(apps []int32, start []int) {
	ws := s.batches[:s.spread(len(apps))]
	forGroups(len(start)-1, len(ws), func(w, g int) {
		b, group := ws[w], apps[start[g]:start[g+1]]
		if len(group) == 0 {
			return
		}
		v := s.loc[group[0]]
		s.g.begin(b, v)
		for _, i := range group {
			s.insert(b, i, v)
			s.logged[i] = false
		}
		s.g.end(b, v)
	})
	s.g.addFresh(ws)
	s.g.collect(ws)
}

// insert adds applicant i's moves out of node v, where it now is, to the batch filling v (the caller
// restores the heap order).
func (s *solver) insert(w *batch, i, v int32) {
	put := func(a, b int32, e entry) { s.g.add(w, a, b, e) }
	t := int(s.tier[i])
	schools, costs := s.arcs.of(i)
	if v == s.pool {
		for k, b := range schools {
			put(v, b, entry{joinKey(t, s.scaled(costs[k])), i})
		}
		return
	}
	c := s.arcs.costAt(i, v)
	cv := s.scaled(c)
	for k, b := range schools {
		if b != v {
			put(v, b, entry{moveKey(t, cv, s.scaled(costs[k])), i})
		}
	}
	put(v, s.pool, entry{leaveKey(t, cv), i})
}

// insertNew adds the moves of applicant i, which stays where it is, over its last n arcs (just added).
func (s *solver) insertNew(i int32, n int) {
	t, v := int(s.tier[i]), s.loc[i]
	schools, costs := s.arcs.of(i)
	schools, costs = schools[len(schools)-n:], costs[len(costs)-n:]
	if v == s.pool {
		for k, b := range schools {
			s.g.push(v, b, entry{joinKey(t, s.scaled(costs[k])), i})
		}
		return
	}
	c := s.arcs.costAt(i, v)
	for k, b := range schools {
		s.g.push(v, b, entry{moveKey(t, s.scaled(c), s.scaled(costs[k])), i})
	}
}

// place puts applicant i at node v, updating loads but not the heaps.
func (s *solver) place(i, v int32) {
	if u := s.loc[i]; u != s.pool {
		s.load[u]--
	}
	if v != s.pool {
		s.load[v]++
	}
	s.loc[i] = v
}

// move takes applicant i to node v along an augmenting path. The heaps are brought up to date by
// flush, at the end of the phase: until then i's moves out of v are missing (which only hides edges
// from the current phase) and heaps at its old node may have it stale on top (the augmenting search
// checks tops before using them).
func (s *solver) move(i, v int32) {
	s.leaves = append(s.leaves, leave{s.loc[i], i})
	if !s.logged[i] {
		s.logged[i] = true
		s.moved = append(s.moved, i)
	}
	s.place(i, v)
	s.stats.Moves++
}

// flush updates the heaps after a phase's moves: stale tops at the nodes that lost applicants are
// dropped, and every moved applicant's moves out of its new node are added, node by node. A stale top
// is always an applicant that left in this phase, so only the heaps that a leaver tops are cleaned:
// cleaning pops every stale entry that surfaces, and a heap whose top is live is not touched again.
func (s *solver) flush() {
	slices.SortFunc(s.leaves, func(a, b leave) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.app, b.app))
	})
	// Each node's heaps are cleaned by one worker; cleaning touches only the heaps of that node.
	start := groupStarts(nil, len(s.leaves), func(k int) int32 { return s.leaves[k].from })
	ws := s.batches[:s.spread(len(s.leaves))]
	forGroups(len(start)-1, len(ws), func(w, g int) {
		b, group := ws[w], s.leaves[start[g]:start[g+1]]
		u := group[0].from
		s.g.index(b, u)
		for _, l := range group {
			s.cleanLeaver(b, l.app, u)
		}
		s.g.unindex(b, u)
	})
	s.g.collect(ws)
	s.leaves = s.leaves[:0]
	slices.SortFunc(s.moved, func(a, b int32) int {
		return cmp.Or(cmp.Compare(s.loc[a], s.loc[b]), cmp.Compare(a, b))
	})
	start = groupStarts(start[:0], len(s.moved), func(k int) int32 { return s.loc[s.moved[k]] })
	s.fillNodes(s.moved, start)
	s.moved = s.moved[:0]
}

// cleanLeaver drops stale tops from the heaps of the node u, indexed in w, that applicant i (which
// left u) tops.
func (s *solver) cleanLeaver(w *batch, i, u int32) {
	schools, _ := s.arcs.of(i)
	for _, b := range schools {
		s.g.cleanLeft(w, u, b, i, s.loc)
	}
	s.g.cleanLeft(w, u, s.pool, i, s.loc)
}

// maybeCompact rebuilds the heaps when stale entries outnumber live ones, so memory stays within
// twice the restricted arc count (plus slack).
func (s *solver) maybeCompact() {
	live := len(s.arcs.school) + s.n
	if s.g.entries > 2*live+1<<16 {
		s.rebuild()
	}
}

// clampEmpty ends a round: it raises negative prices of empty schools to zero (their only residual
// edge is the free seat towards the sink, whose reduced cost stays >= 0) and checks that every other
// price is non-negative, as the balances being zero imply.
func (s *solver) clampEmpty() error {
	for j := int32(0); j < int32(s.m); j++ {
		pj := s.priceOf(j)
		if signVec(pj) >= 0 {
			continue
		}
		if s.load[j] != 0 {
			return fmt.Errorf("flow: internal error: school %d holds %d applicants at a negative price", j, s.load[j])
		}
		clear(pj)
	}
	return nil
}
