package flow

import (
	"math/rand/v2"
	"slices"
)

// instance is a small problem held in memory, for the oracles.
type instance struct {
	caps    []int32
	tier    []uint8 // nil: all tier 0
	all     [][]Arc
	initial [][]Arc
}

func (in *instance) problem() *Problem {
	return &Problem{
		Applicants: len(in.all),
		Capacity:   in.caps,
		Tier:       in.tier,
		Initial:    func(i int, dst []Arc) []Arc { return append(dst, in.initial[i]...) },
		All:        func(i int, dst []Arc) []Arc { return append(dst, in.all[i]...) },
	}
}

func (in *instance) tierOf(i int) int {
	if in.tier == nil {
		return 0
	}
	return int(in.tier[i])
}

func (in *instance) tiers() int {
	top := 0
	for i := range in.all {
		top = max(top, in.tierOf(i))
	}
	return top + 1
}

// family describes random instances.
type family struct {
	minN, maxN   int     // applicants
	minM, maxM   int     // schools
	maxCap       int32   // capacities drawn from 0..maxCap
	arcProb      float64 // chance that an applicant lists a school
	maxCost      int32   // costs drawn from 0..maxCost
	tiers        int     // 1 means Tier is nil
	initial      string  // "random", "nearest", "none" or "all"
	noArcApplicn float64 // chance that an applicant has no arcs at all
}

// random draws an instance of f from rng.
func (f family) random(rng *rand.Rand) *instance {
	n := f.minN + rng.IntN(f.maxN-f.minN+1)
	m := f.minM + rng.IntN(f.maxM-f.minM+1)
	in := &instance{caps: make([]int32, m), all: make([][]Arc, n), initial: make([][]Arc, n)}
	for j := range in.caps {
		in.caps[j] = rng.Int32N(f.maxCap + 1)
	}
	if f.tiers > 1 {
		in.tier = make([]uint8, n)
		for i := range in.tier {
			in.tier[i] = uint8(rng.IntN(f.tiers))
		}
	}
	for i := range in.all {
		if rng.Float64() < f.noArcApplicn {
			continue
		}
		for j := range in.caps {
			if rng.Float64() < f.arcProb {
				in.all[i] = append(in.all[i], Arc{School: int32(j), Cost: rng.Int32N(f.maxCost + 1)})
			}
		}
		rng.Shuffle(len(in.all[i]), func(a, b int) { in.all[i][a], in.all[i][b] = in.all[i][b], in.all[i][a] })
		in.initial[i] = f.pickInitial(rng, in.all[i])
	}
	return in
}

func (f family) pickInitial(rng *rand.Rand, all []Arc) []Arc {
	switch f.initial {
	case "all":
		return slices.Clone(all)
	case "none":
		return nil
	case "nearest":
		if len(all) == 0 {
			return nil
		}
		best := slices.MinFunc(all, func(a, b Arc) int { return int(a.Cost - b.Cost) })
		return []Arc{best}
	}
	var out []Arc
	for _, a := range all {
		if rng.IntN(2) == 0 {
			out = append(out, a)
		}
	}
	return out
}

// objective is the per-tier result of an assignment: counts and costs.
type objective struct {
	assigned []int
	cost     []int64
}

// better reports whether a beats b lexicographically: more tier-0 placed, then less tier-0 cost, ...
func (a objective) better(b objective) bool {
	for t := range a.assigned {
		if a.assigned[t] != b.assigned[t] {
			return a.assigned[t] > b.assigned[t]
		}
		if a.cost[t] != b.cost[t] {
			return a.cost[t] < b.cost[t]
		}
	}
	return false
}

// bruteForce enumerates every assignment of in and returns the best objective.
func bruteForce(in *instance) objective {
	nt := in.tiers()
	cur := objective{make([]int, nt), make([]int64, nt)}
	best := objective{make([]int, nt), make([]int64, nt)}
	left := slices.Clone(in.caps)
	var walk func(i int)
	walk = func(i int) {
		if i == len(in.all) {
			if cur.better(best) {
				copy(best.assigned, cur.assigned)
				copy(best.cost, cur.cost)
			}
			return
		}
		walk(i + 1) // unassigned
		t := in.tierOf(i)
		for _, a := range in.all[i] {
			if left[a.School] == 0 {
				continue
			}
			left[a.School]--
			cur.assigned[t]++
			cur.cost[t] += int64(a.Cost)
			walk(i + 1)
			left[a.School]++
			cur.assigned[t]--
			cur.cost[t] -= int64(a.Cost)
		}
	}
	walk(0)
	return best
}

// sspOracle solves in as a plain min-cost flow on the full arc set (source -> applicant -> school or
// "unassigned" -> sink) by successive shortest paths with Bellman-Ford, using scalar weights in mixed
// radix: per tier, a placement is worth more than any total cost of the tier, and each tier more than
// every lower one. Fits int64 for n <= 30, costs <= 1000, up to 3 tiers.
func sspOracle(in *instance) objective {
	n, m, nt := len(in.all), len(in.caps), in.tiers()
	maxCost := int64(0)
	for _, arcs := range in.all {
		for _, a := range arcs {
			maxCost = max(maxCost, int64(a.Cost))
		}
	}
	perCost, perPlace := make([]int64, nt), make([]int64, nt)
	mult := int64(1)
	for t := nt - 1; t >= 0; t-- {
		perCost[t] = mult
		mult *= int64(n)*maxCost + 1
		perPlace[t] = mult
		mult *= int64(n) + 1
	}
	g := &mcf{}
	src, sink, none := 0, n+m+1, n+m+2
	g.init(n + m + 3)
	for i := 0; i < n; i++ {
		g.edge(src, 1+i, 1, 0)
		g.edge(1+i, none, 1, 0)
		t := in.tierOf(i)
		for _, a := range in.all[i] {
			g.edge(1+i, 1+n+int(a.School), 1, int64(a.Cost)*perCost[t]-perPlace[t])
		}
	}
	for j, c := range in.caps {
		g.edge(1+n+j, sink, int64(c), 0)
	}
	g.edge(none, sink, int64(n), 0)
	for k := 0; k < n; k++ {
		g.augment(src, sink)
	}
	res := objective{make([]int, nt), make([]int64, nt)}
	for i := 0; i < n; i++ {
		for _, e := range g.adj[1+i] {
			if g.edges[e].to > n && g.edges[e].to <= n+m && g.edges[e].cap == 0 && g.edges[e].orig == 1 {
				t := in.tierOf(i)
				res.assigned[t]++
				res.cost[t] += arcCost(in.all[i], int32(g.edges[e].to-1-n))
			}
		}
	}
	return res
}

func arcCost(arcs []Arc, j int32) int64 {
	for _, a := range arcs {
		if a.School == j {
			return int64(a.Cost)
		}
	}
	panic("no arc")
}

// mcf is a textbook residual graph.
type mcf struct {
	edges []mcfEdge
	adj   [][]int
}

type mcfEdge struct {
	to        int
	cap, orig int64
	cost      int64
}

func (g *mcf) init(nodes int) { g.adj = make([][]int, nodes) }

func (g *mcf) edge(a, b int, capacity, cost int64) {
	g.adj[a] = append(g.adj[a], len(g.edges))
	g.edges = append(g.edges, mcfEdge{to: b, cap: capacity, orig: capacity, cost: cost})
	g.adj[b] = append(g.adj[b], len(g.edges))
	g.edges = append(g.edges, mcfEdge{to: a, cap: 0, orig: 0, cost: -cost})
}

// augment sends one unit along a cheapest path found by Bellman-Ford.
func (g *mcf) augment(src, sink int) {
	const inf = int64(1) << 62
	dist := make([]int64, len(g.adj))
	via := make([]int, len(g.adj))
	for v := range dist {
		dist[v], via[v] = inf, -1
	}
	dist[src] = 0
	for changed := true; changed; {
		changed = false
		for u := range g.adj {
			if dist[u] == inf {
				continue
			}
			for _, e := range g.adj[u] {
				ed := g.edges[e]
				if ed.cap > 0 && dist[u]+ed.cost < dist[ed.to] {
					dist[ed.to], via[ed.to], changed = dist[u]+ed.cost, e, true
				}
			}
		}
	}
	for v := sink; v != src; v = g.edges[via[v]^1].to {
		g.edges[via[v]].cap--
		g.edges[via[v]^1].cap++
	}
}
