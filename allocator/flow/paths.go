package flow

import "fmt"

// Shortest paths on the school graph (Dijkstra over reduced costs, which are >= 0) from every source at
// once, with the number of edges as a second key so that ties go to the path with fewest moves, then the price update that makes every shortest path consist of zero-reduced-cost edges.
//
// Edges out of node u, in the order both Dijkstra and the augmenting search visit them:
//   - one per pair heap of u (its cheapest live entry), in creation order;
//   - for a school u with flow[u] < Capacity[u]: a free seat, u -> pool, cost 0;
//   - for the pool: for each school j with flow[j] > 0, a filled seat given back, pool -> j, cost 0.
//
// The reduced cost of an edge u -> v with cost vector c is c + price[v] - price[u].

const (
	unseen uint8 = iota
	queued
	settled
)

// spScratch holds Dijkstra's state, reused across phases.
type spScratch struct {
	nt     int
	dist   []int64 // per node, nt components
	hops   []int32 // per node: edges on a shortest path with the fewest edges
	state  []uint8
	heap   []int32 // node indices, ordered by (dist, index)
	pos    []int32 // per node: its index in heap
	rc     []int64 // scratch vector
	nd     []int64 // scratch vector
	limit  []int64 // when capped: the distance beyond which the search stopped
	capped bool
}

func (sp *spScratch) init(nodes, nt int) {
	sp.nt = nt
	sp.dist = make([]int64, nodes*nt)
	sp.hops = make([]int32, nodes)
	sp.state = make([]uint8, nodes)
	sp.pos = make([]int32, nodes)
	sp.rc = make([]int64, nt)
	sp.nd = make([]int64, nt)
	sp.limit = make([]int64, nt)
}

func (sp *spScratch) distOf(v int32) []int64 { return sp.dist[int(v)*sp.nt : int(v+1)*sp.nt] }

// shortestPaths settles nodes in order of distance from srcs until the sinks settled can absorb all
// the sources' excess, then settles the remaining nodes at that same distance and stops (the limit).
// If the sinks never suffice, it settles every reachable node.
func (s *solver) shortestPaths(srcs []int32) error {
	sp := &s.sp
	clear(sp.state)
	sp.heap = sp.heap[:0]
	sp.capped = false
	var excess, absorbed int64
	for _, v := range srcs {
		clear(sp.distOf(v))
		sp.hops[v] = 0
		sp.state[v] = queued
		sp.push(v)
		excess += s.bal[v]
	}
	for len(sp.heap) > 0 {
		u := sp.heap[0]
		if sp.capped && cmpVec(sp.distOf(u), sp.limit) > 0 {
			return nil
		}
		sp.pop()
		sp.state[u] = settled
		if b := s.bal[u]; b < 0 && !sp.capped {
			if absorbed -= b; absorbed >= excess {
				sp.capped = true
				copy(sp.limit, sp.distOf(u))
			}
		}
		if err := s.relaxEdges(u); err != nil {
			return err
		}
	}
	return nil
}

// relaxEdges relaxes every edge out of the settled node u.
func (s *solver) relaxEdges(u int32) error {
	sp := &s.sp
	if s.nt == 1 {
		if err := s.relaxPairs1(u); err != nil {
			return err
		}
		return s.relaxSeats(u)
	}
	pu := s.priceOf(u)
	tos := s.g.outTo[u]
	for k, key := range s.g.outKey[u] {
		if key == noKey {
			continue
		}
		v := tos[k]
		if sp.state[v] == settled {
			continue
		}
		s.pairRC(u, v, key, pu, s.priceOf(v), sp.rc)
		if err := s.relax(u, v); err != nil {
			return err
		}
	}
	return s.relaxSeats(u)
}

// relaxPairs1 is the pair loop of relaxEdges for a single tier, where vectors are scalars.
func (s *solver) relaxPairs1(u int32) error {
	sp := &s.sp
	pu, du, hv := s.price[u], sp.dist[u], sp.hops[u]+1
	tos := s.g.outTo[u]
	for k, key := range s.g.outKey[u] {
		if key == noKey {
			continue
		}
		v := tos[k]
		if sp.state[v] == settled {
			continue
		}
		rc := s.price[v] - pu
		if _, x := unpackKey(key); x != 0 {
			rc += int64(x) + s.g.offset(u, v)
		}
		if rc < 0 {
			return fmt.Errorf("flow: internal error: negative reduced cost on edge %d -> %d", u, v)
		}
		nd := du + rc
		switch sp.state[v] {
		case unseen:
			sp.dist[v], sp.hops[v], sp.state[v] = nd, hv, queued
			sp.push(v)
		case queued:
			if nd < sp.dist[v] || (nd == sp.dist[v] && hv < sp.hops[v]) {
				sp.dist[v], sp.hops[v] = nd, hv
				sp.up(int(sp.pos[v]))
			}
		}
	}
	return nil
}

// relaxSeats relaxes the edges of free and filled seats out of u.
func (s *solver) relaxSeats(u int32) error {
	sp := &s.sp
	pu := s.priceOf(u)
	if u != s.pool {
		if s.flow[u] < s.capacity[u] && sp.state[s.pool] != settled {
			negate(sp.rc, pu) // 0 + price[pool] - price[u]
			return s.relax(u, s.pool)
		}
		return nil
	}
	for j := int32(0); j < int32(s.m); j++ {
		if s.flow[j] > 0 && sp.state[j] != settled {
			copy(sp.rc, s.priceOf(j)) // 0 + price[j] - price[pool]
			if err := s.relax(u, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// pairRC writes the reduced cost of the move u -> v with key k into rc.
func (s *solver) pairRC(u, v int32, k int32, pu, pv []int64, rc []int64) {
	t, x := unpackKey(k)
	for c := range rc {
		rc[c] = pv[c] - pu[c]
	}
	if x != 0 {
		rc[t] += int64(x) + s.g.offset(u, v)
	}
}

// relax offers dist[u] + sp.rc as a distance to v.
func (s *solver) relax(u, v int32) error {
	sp := &s.sp
	if signVec(sp.rc) < 0 {
		return fmt.Errorf("flow: internal error: negative reduced cost on edge %d -> %d", u, v)
	}
	du := sp.distOf(u)
	for c := range sp.nd {
		sp.nd[c] = du[c] + sp.rc[c]
	}
	dv, hv := sp.distOf(v), sp.hops[u]+1
	switch sp.state[v] {
	case unseen:
		copy(dv, sp.nd)
		sp.hops[v] = hv
		sp.state[v] = queued
		sp.push(v)
	case queued:
		if c := cmpVec(sp.nd, dv); c < 0 || (c == 0 && hv < sp.hops[v]) {
			copy(dv, sp.nd)
			sp.hops[v] = hv
			sp.up(int(sp.pos[v]))
		}
	}
	return nil
}

// updatePrices lowers each node's price by δ(v) = min(d(v), limit) and raises all by δ(pool), so the
// pool stays at zero. Every residual edge u -> v keeps a reduced cost >= 0 (δ(v) <= δ(u) + rc) and every
// edge on a shortest path within the limit gets exactly 0. Without a limit, nodes not reached keep
// their price (δ = δ(pool)): they are empty schools with flow 0, whose only residual edge is their free
// seat to the pool. Such schools may always have a negative price raised to zero (their free seat
// stays at reduced cost >= 0 and edges into them only get dearer), which keeps prices from drifting.
func (s *solver) updatePrices() error {
	sp := &s.sp
	if !sp.capped && sp.state[s.pool] != settled {
		return fmt.Errorf("flow: internal error: the pool is unreachable")
	}
	dp := s.delta(s.pool)
	for v := int32(0); v < int32(s.m); v++ {
		dv := dp
		if sp.state[v] == settled || sp.capped {
			dv = s.delta(v)
		}
		pv := s.priceOf(v)
		for c := range pv {
			pv[c] += dp[c] - dv[c]
		}
		if s.load[v] == 0 && s.flow[v] == 0 && signVec(pv) < 0 {
			clear(pv)
		}
		if !inRange(pv) {
			return fmt.Errorf("%w: price of school %d leaves ±2^60", ErrLimit, v)
		}
	}
	return nil
}

// delta returns min(d(v), limit): the distance of a settled node, else the limit.
func (s *solver) delta(v int32) []int64 {
	if s.sp.state[v] == settled {
		return s.sp.distOf(v)
	}
	return s.sp.limit
}

func negate(dst, src []int64) {
	for c := range dst {
		dst[c] = -src[c]
	}
}

// The heap of queued nodes, ordered by (dist, hops, node index).

func (sp *spScratch) less(a, b int32) bool {
	if sp.nt == 1 {
		if da, db := sp.dist[a], sp.dist[b]; da != db {
			return da < db
		}
	} else if c := cmpVec(sp.distOf(a), sp.distOf(b)); c != 0 {
		return c < 0
	}
	return sp.hops[a] < sp.hops[b] || (sp.hops[a] == sp.hops[b] && a < b)
}

func (sp *spScratch) push(v int32) {
	sp.pos[v] = int32(len(sp.heap))
	sp.heap = append(sp.heap, v)
	sp.up(len(sp.heap) - 1)
}

func (sp *spScratch) pop() int32 {
	h := sp.heap
	top, last := h[0], len(h)-1
	h[0] = h[last]
	sp.pos[h[0]] = 0
	sp.heap = h[:last]
	sp.down(0)
	return top
}

func (sp *spScratch) up(k int) {
	h := sp.heap
	for k > 0 {
		parent := (k - 1) / 2
		if !sp.less(h[k], h[parent]) {
			return
		}
		sp.swap(k, parent)
		k = parent
	}
}

func (sp *spScratch) down(k int) {
	h := sp.heap
	for {
		c := 2*k + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && sp.less(h[c+1], h[c]) {
			c++
		}
		if !sp.less(h[c], h[k]) {
			return
		}
		sp.swap(k, c)
		k = c
	}
}

func (sp *spScratch) swap(a, b int) {
	h := sp.heap
	h[a], h[b] = h[b], h[a]
	sp.pos[h[a]] = int32(a)
	sp.pos[h[b]] = int32(b)
}
