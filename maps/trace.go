package maps

import (
	"fmt"
)

// Tracing turns a labelled raster into polygons. Cells of one label that
// share an edge form a component (4-connectivity); each component becomes
// one polygon whose outer ring and holes run along cell edges, with the
// component on the left (outer rings counter-clockwise, holes clockwise,
// as RFC 7946 recommends). Where a component touches itself only at a
// corner, the ring keeps to the cell it came from (it turns left), so the
// component's cells stay 4-connected and the ring touches itself at that
// corner; such rings are split there into an outer ring and a hole that
// touch at one point, which is valid in the OGC sense.
//
// The staircase of cell edges is then smoothed without changing the
// topology: at a corner where the boundary turns and exactly two boundary
// edges meet, the corner is cut off between the midpoints of those two
// edges. Both polygons that share the edges make the same cut, so they
// still share their boundary exactly; the cut triangle lies inside one
// cell's corner and contains no cell centre, so every cell centre stays in
// the polygon of its label. Corners where three or four boundary edges meet
// stay where they are. Collinear vertices are dropped.

// pt is a vertex in half-cell units: corner (i, j) is (2i, 2j).
type pt struct{ a, b int32 }

// component is a 4-connected set of cells of one label.
type component struct {
	label int32
	cells int
	first int // the first cell in row-major order (south-west first)
}

// directions, counter-clockwise: east, north, west, south.
const (
	east = iota
	north
	west
	south
)

var step = [4][2]int32{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}

// tracer holds the components of a labelled raster.
type tracer struct {
	g     *grid
	comp  []int32 // per cell: component, or -1
	comps []component
	used  []uint8 // per cell: bit d set when the edge on side d was traced
}

// components labels the 4-connected components of equal, non-negative
// labels in row-major order of their first cell.
func components(g *grid, labels []int32) *tracer {
	t := &tracer{g: g, comp: make([]int32, len(labels))}
	for i := range t.comp {
		t.comp[i] = -1
	}
	var queue []int
	for start, l := range labels {
		if l < 0 || t.comp[start] >= 0 {
			continue
		}
		id := int32(len(t.comps))
		c := component{label: l, first: start}
		t.comp[start] = id
		queue = append(queue[:0], start)
		for len(queue) > 0 {
			k := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			c.cells++
			i := k % g.nx
			visit := func(n int) {
				if labels[n] == l && t.comp[n] < 0 {
					t.comp[n] = id
					queue = append(queue, n)
				}
			}
			if i > 0 {
				visit(k - 1)
			}
			if i < g.nx-1 {
				visit(k + 1)
			}
			if k >= g.nx {
				visit(k - g.nx)
			}
			if k+g.nx < len(labels) {
				visit(k + g.nx)
			}
		}
		t.comps = append(t.comps, c)
	}
	return t
}

// at returns the component of cell (i, j), -1 outside the grid.
func (t *tracer) at(i, j int32) int32 {
	if i < 0 || j < 0 || int(i) >= t.g.nx || int(j) >= t.g.ny {
		return -1
	}
	return t.comp[int(j)*t.g.nx+int(i)]
}

// sides returns, for the directed edge leaving corner (i, j) in direction
// d, the cell on its left, the side of that cell it is, and the cell on its
// right.
func sides(i, j int32, d int) (li, lj int32, side int, ri, rj int32) {
	switch d {
	case east:
		return i, j, south, i, j - 1
	case north:
		return i - 1, j, east, i, j
	case west:
		return i - 1, j - 1, north, i - 1, j
	default:
		return i, j - 1, west, i - 1, j - 1
	}
}

// boundary reports whether the directed edge has component c on its left
// and another on its right.
func (t *tracer) boundary(c, i, j int32, d int) bool {
	li, lj, _, ri, rj := sides(i, j, d)
	return t.at(li, lj) == c && t.at(ri, rj) != c
}

// degree counts the boundary edges (between different components) that
// meet at corner (i, j).
func (t *tracer) degree(i, j int32) int {
	sw, se, nw, ne := t.at(i-1, j-1), t.at(i, j-1), t.at(i-1, j), t.at(i, j)
	n := 0
	for _, differ := range [4]bool{sw != se, se != ne, nw != ne, sw != nw} {
		if differ {
			n++
		}
	}
	return n
}

// rings traces every ring of every component and returns them grouped by
// component: for each, the outer ring first, then its holes.
func (t *tracer) rings() ([][][]pt, error) {
	g := t.g
	t.used = make([]uint8, g.cells())
	out := make([][][]pt, len(t.comps))
	// The directed edge with cell (i, j) on its left on each side: the
	// corner it leaves and its direction.
	starts := [4]struct {
		di, dj int32
		d      int
	}{south: {0, 0, east}, east: {1, 0, north}, north: {1, 1, west}, west: {0, 1, south}}
	for k, c := range t.comp {
		if c < 0 {
			continue
		}
		i, j := int32(k%g.nx), int32(k/g.nx)
		for side, s := range starts {
			if t.used[k]&(1<<side) != 0 || !t.boundary(c, i+s.di, j+s.dj, s.d) {
				continue
			}
			ring, pinched := t.trace(c, i+s.di, j+s.dj, s.d)
			if pinched {
				out[c] = append(out[c], splitPinches(ring)...)
			} else {
				out[c] = append(out[c], ring)
			}
		}
	}
	for c, rs := range out {
		outer := -1
		for r, ring := range rs {
			if ringArea2(ring) > 0 {
				if outer >= 0 {
					return nil, fmt.Errorf("maps: internal error: component %d has two outer rings", c)
				}
				outer = r
			}
		}
		if outer < 0 {
			return nil, fmt.Errorf("maps: internal error: component %d has no outer ring", c)
		}
		rs[0], rs[outer] = rs[outer], rs[0]
	}
	return out, nil
}

// trace follows the boundary of component c from the directed edge
// leaving corner (i, j) in direction d until it returns to that edge, and
// returns the smoothed ring (closed: the first vertex repeated last), and
// whether it passed a corner where four boundary edges meet, where it may
// touch itself.
func (t *tracer) trace(c, i, j int32, d int) ([]pt, bool) {
	si, sj, sd := i, j, d
	var ring []pt
	pinched := false
	for {
		li, lj, side, _, _ := sides(i, j, d)
		t.used[int(lj)*t.g.nx+int(li)] |= 1 << side
		ni, nj := i+step[d][0], j+step[d][1]
		// Turn left if possible, else go straight, else turn right.
		next := -1
		for _, nd := range [3]int{(d + 1) % 4, d, (d + 3) % 4} {
			if t.boundary(c, ni, nj, nd) {
				next = nd
				break
			}
		}
		if next < 0 {
			break // cannot happen on a labelled raster; never loop or panic
		}
		if next != d {
			corner := pt{2 * ni, 2 * nj}
			deg := t.degree(ni, nj)
			pinched = pinched || deg == 4
			if deg == 2 {
				// cut the corner between the midpoints of its two edges
				ring = append(ring, pt{corner.a - step[d][0], corner.b - step[d][1]},
					pt{corner.a + step[next][0], corner.b + step[next][1]})
			} else {
				ring = append(ring, corner)
			}
		}
		i, j, d = ni, nj, next
		if i == si && j == sj && d == sd {
			break
		}
	}
	return closeRing(dropCollinear(ring)), pinched
}

// dropCollinear removes repeated vertices and vertices on a straight line
// between their neighbours, treating the ring as cyclic (not closed).
func dropCollinear(ring []pt) []pt {
	for changed := true; changed && len(ring) > 3; {
		changed = false
		out := ring[:0:0]
		n := len(ring)
		for k := range n {
			prev, cur, next := ring[(k+n-1)%n], ring[k], ring[(k+1)%n]
			if len(out) > 0 && out[len(out)-1] == cur {
				changed = true
				continue
			}
			if cross(prev, cur, next) == 0 && dot(prev, cur, next) < 0 || cur == next {
				changed = true
				continue
			}
			out = append(out, cur)
		}
		if len(out) > 1 && out[0] == out[len(out)-1] {
			out = out[:len(out)-1]
		}
		ring = out
	}
	return ring
}

// cross is the z component of (cur-prev) x (next-cur).
func cross(prev, cur, next pt) int64 {
	return int64(cur.a-prev.a)*int64(next.b-cur.b) - int64(cur.b-prev.b)*int64(next.a-cur.a)
}

// dot is (cur-prev) . (next-cur) reversed in sign: negative when cur lies
// between prev and next on a straight line.
func dot(prev, cur, next pt) int64 {
	return int64(prev.a-cur.a)*int64(next.a-cur.a) + int64(prev.b-cur.b)*int64(next.b-cur.b)
}

func closeRing(ring []pt) []pt {
	if len(ring) == 0 {
		return ring
	}
	return append(ring, ring[0])
}

// splitPinches splits a closed ring that visits a vertex more than once
// into closed rings that do not.
func splitPinches(ring []pt) [][]pt {
	seen := map[pt]int{}
	var stack []pt
	var out [][]pt
	for _, p := range ring[:len(ring)-1] {
		if at, ok := seen[p]; ok {
			loop := append(append([]pt(nil), stack[at:]...), p)
			out = append(out, loop)
			for _, q := range stack[at+1:] {
				delete(seen, q)
			}
			stack = stack[:at+1]
			continue
		}
		seen[p] = len(stack)
		stack = append(stack, p)
	}
	out = append(out, closeRing(stack))
	return out
}

// ringArea2 returns twice the signed area of a closed ring in half-cell
// units squared: positive when counter-clockwise.
func ringArea2(ring []pt) int64 {
	var s int64
	for k := 0; k+1 < len(ring); k++ {
		s += int64(ring[k].a)*int64(ring[k+1].b) - int64(ring[k+1].a)*int64(ring[k].b)
	}
	return s
}
