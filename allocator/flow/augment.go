package flow

// After the price update every shortest path consists of admissible edges: reduced cost exactly zero,
// and leading one step further from the sources in the shortest-path hop count (so admissible paths
// are shortest in cost and then in moves, and the admissible graph has no cycles). augment sends as many units as it finds along admissible paths from sources (balance > 0) to sinks
// (balance < 0) with a depth-first search that keeps, per node, a pointer to the next edge to try
// and marks nodes it has exhausted, so a phase costs O(edges + path lengths). Pushing a unit along an
// admissible edge leaves every reduced cost >= 0 (the reverse edge has reduced cost zero), so any number
// of such paths keeps the prices valid.

// augScratch holds the depth-first search state, reused across phases.
type augScratch struct {
	stamp uint32
	mark  []uint32 // per node: stamp when visited in this phase
	cur   []int    // per node: next edge to try
	nodes []int32  // path being built: nodes[k] -> nodes[k+1] over edges[k]
	edges []int32  // edge codes, see nextAdmissible
	sink  int32
}

func (a *augScratch) init(nodes int) {
	a.mark = make([]uint32, nodes)
	a.cur = make([]int, nodes)
}

// augment runs one phase of augmentations and returns how many units it sent.
func (s *solver) augment(srcs []int32) int {
	a := &s.aug
	a.stamp++
	if a.stamp == 0 {
		clear(a.mark)
		a.stamp = 1
	}
	clear(a.cur)
	sent := 0
	for _, src := range srcs {
		for s.bal[src] > 0 && s.findPath(src) {
			s.applyPath(src)
			sent++
		}
	}
	s.flush()
	return sent
}

// findPath searches an admissible path from src to a sink into a.nodes/a.edges.
func (s *solver) findPath(src int32) bool {
	a := &s.aug
	a.nodes = append(a.nodes[:0], src)
	a.edges = a.edges[:0]
	a.mark[src] = a.stamp
	for len(a.nodes) > 0 {
		u := a.nodes[len(a.nodes)-1]
		v, code, ok := s.nextAdmissible(u)
		if !ok { // u is exhausted: leave it marked, step back past the edge into it
			a.nodes = a.nodes[:len(a.nodes)-1]
			if len(a.edges) > 0 {
				a.edges = a.edges[:len(a.edges)-1]
				a.cur[a.nodes[len(a.nodes)-1]]++
			}
			continue
		}
		if s.bal[v] < 0 {
			a.edges = append(a.edges, code)
			a.sink = v
			return true
		}
		if a.mark[v] == a.stamp {
			a.cur[u]++
			continue
		}
		a.mark[v] = a.stamp
		a.nodes = append(a.nodes, v)
		a.edges = append(a.edges, code)
	}
	return false
}

// Edge codes name an edge independently of later growth of the pair lists: a pair index (>= 0), a
// school's free seat (seatCode), or the pool giving back school j's filled seat (-2-j).
const seatCode = -1

// nextAdmissible advances u's edge pointer to its next admissible edge and returns the edge's head and
// code.
func (s *solver) nextAdmissible(u int32) (v, code int32, ok bool) {
	a := &s.aug
	out := s.g.out[u]
	for ; ; a.cur[u]++ {
		e := a.cur[u]
		switch {
		case e < len(out):
			v := s.g.outTo[u][e]
			for s.admissiblePair(u, v, s.g.outKey[u][e]) && s.forward(u, v) {
				if s.g.live(out[e], s.loc) {
					return v, out[e], true
				}
				s.g.cleanTop(out[e], s.loc)
			}
		case u != s.pool:
			if e == len(out) && s.flow[u] < s.capacity[u] && signVec(s.priceOf(u)) == 0 && s.forward(u, s.pool) {
				return s.pool, seatCode, true
			}
			return 0, 0, false
		default:
			j := int32(e - len(out))
			if j >= int32(s.m) {
				return 0, 0, false
			}
			if s.flow[j] > 0 && signVec(s.priceOf(j)) == 0 && s.forward(u, j) {
				return j, -2 - j, true
			}
		}
	}
}

// forward reports whether v is one hop further than u on this phase's shortest paths.
func (s *solver) forward(u, v int32) bool {
	return s.sp.state[v] == settled && s.sp.hops[v] == s.sp.hops[u]+1
}

// admissiblePair reports whether the cheapest move u -> v, with key k, has reduced cost zero.
func (s *solver) admissiblePair(u, v, k int32) bool {
	if k == noKey {
		return false
	}
	t, x := unpackKey(k)
	if s.nt == 1 {
		y := s.price[v] - s.price[u]
		if x != 0 {
			y += int64(x) + s.g.offset(u, v)
		}
		return y == 0
	}
	pu, pv := s.priceOf(u), s.priceOf(v)
	for c := range pu {
		y := pv[c] - pu[c]
		if c == t && x != 0 {
			y += int64(x) + s.g.offset(u, v)
		}
		if y != 0 {
			return false
		}
	}
	return true
}

// applyPath pushes one unit along the path found by findPath.
func (s *solver) applyPath(src int32) {
	a := &s.aug
	for k, code := range a.edges {
		switch {
		case code >= 0:
			top, _ := s.g.top(code)
			s.move(top.app, s.g.pairs[code].to)
		case code == seatCode:
			s.flow[a.nodes[k]]++
		default:
			s.flow[-2-code]--
		}
	}
	s.bal[src]--
	s.bal[a.sink]++
	for _, v := range a.nodes {
		a.mark[v] = 0 // nodes on the path are not exhausted; let later searches use them
	}
	s.stats.Augmentations++
}
