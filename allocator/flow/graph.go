package flow

import (
	"math"
	"slices"
)

// The school graph has one node per school plus the pool of unassigned applicants. For each ordered
// pair of nodes (a, b) it keeps a heap of the applicants now at a that have an arc to b, keyed by the
// cost of moving them (see keys.go), so the cheapest move from a to b is at the top.
//
// Entries are deleted lazily, except at the top: when an applicant leaves a node, every heap where it
// is on top is cleaned at once, so a top is always live. Each node keeps its pairs' heads, top keys and
// top applicants in flat slices, which the shortest-path search, the augmenting search and the cleaning
// of tops scan without touching the heaps.

// entry is one applicant in a pair heap.
type entry struct {
	key int32 // packed move cost at the current scale
	app int32 // applicant index
}

// less orders entries by key, then applicant, so the top of a heap depends only on its contents.
func (e entry) less(f entry) bool {
	return e.key < f.key || (e.key == f.key && e.app < f.app)
}

// noKey marks an empty heap in outKey.
const noKey = math.MaxInt32

// pairHeap holds the moves from node from to node to.
type pairHeap struct {
	from, to int32
	slot     int32 // index of this pair in out[from]
	sorted   int32 // during a batch (see begin): the length of h that is heap-ordered
	h        []entry
}

// graph is the set of pair heaps.
type graph struct {
	nodes   int
	pool    int32
	bonus   int64
	pairs   []pairHeap
	out     [][]int32        // per node: its pair indices, in creation order
	outTo   [][]int32        // per node: the heads of those pairs
	outKey  [][]int32        // per node: their top keys, noKey if empty
	outApp  [][]int32        // per node: their top applicants, -1 if empty
	dense   []int32          // nodes*nodes pair index + 1, when small enough
	sparse  map[uint64]int32 // otherwise
	entries int              // entries in all heaps, stale ones included
}

// batch is one goroutine's scratch space for work on the heaps out of one node at a time: filling them
// (begin, add, end) or cleaning their tops (index, cleanLeft, unindex). Work on different nodes touches
// disjoint heaps, so batches may run in parallel. A pair that does not exist yet is not created there
// (that would reorder the shared pair lists): its entries wait in fresh until addFresh creates the pairs
// in node order, exactly as a serial run over the nodes in order would have.
type batch struct {
	local   []int32 // per node b: while filling a, pair (a, b) + 1 (-1: waits in fresh); while a is indexed, the slot + 1
	fresh   []freshEntry
	first   int // index in fresh of the node being filled's first entry
	entries int // entries added minus entries removed, for graph.entries (see collect)
}

// freshEntry is an entry for a pair that did not exist when it was added.
type freshEntry struct {
	from, to int32
	e        entry
}

func newBatch(nodes int) *batch { return &batch{local: make([]int32, nodes)} }

// denseLimit is the largest nodes*nodes for which the pair index is a flat table (64 MiB).
const denseLimit = 1 << 24

func newGraph(nodes int, bonus int64) *graph {
	g := &graph{nodes: nodes, pool: int32(nodes - 1), bonus: bonus,
		out: make([][]int32, nodes), outTo: make([][]int32, nodes), outKey: make([][]int32, nodes),
		outApp: make([][]int32, nodes)}
	if nodes*nodes <= denseLimit {
		g.dense = make([]int32, nodes*nodes)
	} else {
		g.sparse = make(map[uint64]int32)
	}
	return g
}

// setBonus changes the placement bonus, when the cost scale changes.
func (g *graph) setBonus(bonus int64) { g.bonus = bonus }

// offset returns what to add to an unpacked value of an edge a -> b to get the true component.
func (g *graph) offset(a, b int32) int64 { return pairOffset(a, b, g.pool, g.bonus) }

// pair returns the index of the (a, b) heap, creating it if needed.
func (g *graph) pair(a, b int32) int32 {
	k := uint64(a)*uint64(g.nodes) + uint64(b)
	if g.dense != nil {
		if p := g.dense[k]; p != 0 {
			return p - 1
		}
	} else if p, ok := g.sparse[k]; ok {
		return p
	}
	p := int32(len(g.pairs))
	g.pairs = append(g.pairs, pairHeap{from: a, to: b, slot: int32(len(g.out[a]))})
	g.out[a] = append(g.out[a], p)
	g.outTo[a] = append(g.outTo[a], b)
	g.outKey[a] = append(g.outKey[a], noKey)
	g.outApp[a] = append(g.outApp[a], -1)
	if g.dense != nil {
		g.dense[k] = p + 1
	} else {
		g.sparse[k] = p
	}
	return p
}

// begin starts a batch of additions to node a's heaps: add may then be called for edges out of a,
// until end(a) restores the heaps.
func (g *graph) begin(w *batch, a int32) {
	for k, b := range g.outTo[a] {
		p := g.out[a][k]
		w.local[b] = p + 1
		g.pairs[p].sorted = int32(len(g.pairs[p].h))
	}
	w.first = len(w.fresh)
}

// add appends an entry out of the node being filled (see begin), without restoring the heap order.
func (g *graph) add(w *batch, a, b int32, e entry) {
	p := w.local[b] - 1
	if p < 0 {
		w.local[b] = -1
		w.fresh = append(w.fresh, freshEntry{a, b, e})
		return
	}
	g.pairs[p].h = append(g.pairs[p].h, e)
	w.entries++
}

// end restores the heap order and top keys of node a's heaps after a batch: small additions are
// sifted up one by one, large ones rebuild the heap.
func (g *graph) end(w *batch, a int32) {
	for _, f := range w.fresh[w.first:] {
		w.local[f.to] = 0
	}
	for _, p := range g.out[a] {
		ph := &g.pairs[p]
		h, old := ph.h, int(ph.sorted)
		if len(h) == old {
			continue
		}
		if 4*(len(h)-old) > len(h) {
			for k := len(h)/2 - 1; k >= 0; k-- {
				siftDown(h, k)
			}
		} else {
			for k := old; k < len(h); k++ {
				siftUp(h, k)
			}
		}
		ph.sorted = int32(len(h))
		g.setTop(p)
	}
	for _, b := range g.outTo[a] {
		w.local[b] = 0
	}
}

// addFresh creates the pairs that the batches' additions were waiting for, in node order and, within a
// node, in the order of their first entry, adds those entries and builds the heaps.
func (g *graph) addFresh(ws []*batch) {
	var fresh []freshEntry
	for _, w := range ws {
		fresh = append(fresh, w.fresh...)
		w.fresh = w.fresh[:0]
	}
	if len(fresh) == 0 {
		return
	}
	// Each node was filled by one batch, in order, so a stable sort by node restores the serial order.
	slices.SortStableFunc(fresh, func(a, b freshEntry) int { return int(a.from) - int(b.from) })
	var made []int32
	for _, f := range fresh {
		n := len(g.pairs)
		p := g.pair(f.from, f.to)
		if len(g.pairs) > n {
			made = append(made, p)
		}
		g.pairs[p].h = append(g.pairs[p].h, f.e)
		g.entries++
	}
	for _, p := range made {
		h := g.pairs[p].h
		for k := len(h)/2 - 1; k >= 0; k-- {
			siftDown(h, k)
		}
		g.pairs[p].sorted = int32(len(h))
		g.setTop(p)
	}
}

// collect adds the batches' changes in entry counts to the graph's.
func (g *graph) collect(ws []*batch) {
	for _, w := range ws {
		g.entries += w.entries
		w.entries = 0
	}
}

// index makes cleanLeft answer for edges out of a, until unindex(a).
func (g *graph) index(w *batch, a int32) {
	for k, b := range g.outTo[a] {
		w.local[b] = int32(k) + 1
	}
}

func (g *graph) unindex(w *batch, a int32) {
	for _, b := range g.outTo[a] {
		w.local[b] = 0
	}
}

// cleanLeft cleans the top of pair (a, b), for the indexed a, if it is applicant i, which has left a.
// Only such a top can be stale: a stale top is an applicant that left a in this phase, and cleaning
// when that applicant's turn comes leaves the top live (see flush). Checking the flat outApp first
// spares a visit to the heap of every other pair.
func (g *graph) cleanLeft(w *batch, a, b, i int32, loc []int32) {
	if k := w.local[b] - 1; k >= 0 && g.outApp[a][k] == i {
		w.entries -= g.popStale(g.out[a][k], loc)
	}
}

// push inserts a live entry keeping the heap order and the top key.
func (g *graph) push(a, b int32, e entry) {
	p := g.pair(a, b)
	ph := &g.pairs[p]
	ph.h = append(ph.h, e)
	siftUp(ph.h, len(ph.h)-1)
	g.entries++
	g.outKey[a][ph.slot] = ph.h[0].key
	g.outApp[a][ph.slot] = ph.h[0].app
}

// top returns the top entry of pair p, which is live; ok is false if the heap is empty.
func (g *graph) top(p int32) (e entry, ok bool) {
	if h := g.pairs[p].h; len(h) > 0 {
		return h[0], true
	}
	return entry{}, false
}

// live reports whether pair p's top entry (if any) is an applicant still at the pair's tail.
func (g *graph) live(p int32, loc []int32) bool {
	ph := &g.pairs[p]
	return len(ph.h) == 0 || loc[ph.h[0].app] == ph.from
}

// cleanTop pops stale entries off the top of pair p.
func (g *graph) cleanTop(p int32, loc []int32) { g.entries -= g.popStale(p, loc) }

// popStale pops stale entries off the top of pair p and returns how many; it touches only pair p and
// its tail's top slices, so calls on different tails may run in parallel.
func (g *graph) popStale(p int32, loc []int32) int {
	ph := &g.pairs[p]
	if len(ph.h) == 0 || loc[ph.h[0].app] == ph.from {
		return 0
	}
	n := 0
	for len(ph.h) > 0 && loc[ph.h[0].app] != ph.from {
		ph.h = popMin(ph.h)
		n++
	}
	g.setTop(p)
	return n
}

func (g *graph) setTop(p int32) {
	ph := &g.pairs[p]
	k, i := int32(noKey), int32(-1)
	if len(ph.h) > 0 {
		k, i = ph.h[0].key, ph.h[0].app
	}
	g.outKey[ph.from][ph.slot] = k
	g.outApp[ph.from][ph.slot] = i
}

// reset empties every heap, keeping the pairs and their order.
func (g *graph) reset() {
	for p := range g.pairs {
		g.pairs[p].h = g.pairs[p].h[:0]
	}
	for _, keys := range g.outKey {
		for k := range keys {
			keys[k] = noKey
		}
	}
	for _, apps := range g.outApp {
		for k := range apps {
			apps[k] = -1
		}
	}
	g.entries = 0
}

func siftUp(h []entry, k int) {
	for k > 0 {
		up := (k - 1) / 2
		if !h[k].less(h[up]) {
			return
		}
		h[k], h[up] = h[up], h[k]
		k = up
	}
}

func siftDown(h []entry, k int) {
	for {
		c := 2*k + 1
		if c >= len(h) {
			return
		}
		if c+1 < len(h) && h[c+1].less(h[c]) {
			c++
		}
		if !h[c].less(h[k]) {
			return
		}
		h[k], h[c] = h[c], h[k]
		k = c
	}
}

// popMin removes the smallest entry and returns the shortened heap.
func popMin(h []entry) []entry {
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	siftDown(h, 0)
	return h
}
