package maps

import (
	"math"

	"github.com/paulmach/orb"
)

// banks divides the clipped land into the regions that water separates:
// the cells whose centre lies in a water polygon, and the cells that a
// river centre line passes through, are water; the other cells of the
// clip, joined through shared edges, form the regions (the two banks of a
// river that cuts the city, an island, ...). A catchment with land in more
// than one region crosses water.
type banks struct {
	region []int32 // per cell: the land region, or -1 (water, or outside the clip)
}

// newBanks returns nil when the layer has no water.
func newBanks(g *grid, in []bool, water []layerFeature) *banks {
	var polys []orb.Polygon
	var lines []orb.LineString
	for _, f := range water {
		polys = append(polys, f.polys...)
		lines = append(lines, f.lines...)
	}
	if len(polys) == 0 && len(lines) == 0 {
		return nil
	}
	wet := g.mask(polys)
	for _, l := range lines {
		g.markLine(wet, l)
	}
	b := &banks{region: make([]int32, g.cells())}
	for k := range b.region {
		b.region[k] = -1
	}
	var queue []int
	n := int32(0)
	for start := range b.region {
		if !in[start] || wet[start] || b.region[start] >= 0 {
			continue
		}
		b.region[start] = n
		queue = append(queue[:0], start)
		for len(queue) > 0 {
			k := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			for _, nb := range neighbours(g, k) {
				if nb >= 0 && in[nb] && !wet[nb] && b.region[nb] < 0 {
					b.region[nb] = n
					queue = append(queue, nb)
				}
			}
		}
		n++
	}
	return b
}

// neighbours returns the cells sharing an edge with cell k, -1 where the
// grid ends.
func neighbours(g *grid, k int) [4]int {
	out := [4]int{-1, -1, -1, -1}
	i := k % g.nx
	if i > 0 {
		out[0] = k - 1
	}
	if i < g.nx-1 {
		out[1] = k + 1
	}
	if k >= g.nx {
		out[2] = k - g.nx
	}
	if k+g.nx < g.cells() {
		out[3] = k + g.nx
	}
	return out
}

// markLine marks every cell a line passes through, sampling it at a third
// of a cell so that consecutive marked cells share an edge or a corner: a
// marked line is never crossed through shared edges.
func (g *grid) markLine(cells []bool, l orb.LineString) {
	stepDeg := float64(min(g.dx, g.dy)) / 3 / 1e6
	for k := 0; k+1 < len(l); k++ {
		a, b := l[k], l[k+1]
		n := int(math.Ceil(math.Max(math.Abs(b[0]-a[0]), math.Abs(b[1]-a[1])) / stepDeg))
		for s := 0; s <= n; s++ {
			t := float64(s) / float64(max(n, 1))
			if i, j, ok := g.cellOf(orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}); ok {
				cells[j*g.nx+i] = true
			}
		}
	}
}

// sides returns, per label, how many land regions its cells touch.
func (b *banks) sides(labels []int32) map[int32]int {
	seen := map[int32][]int32{}
	for k, l := range labels {
		r := b.region[k]
		if l < 0 || r < 0 {
			continue
		}
		rs := seen[l]
		found := false
		for _, x := range rs {
			if x == r {
				found = true
				break
			}
		}
		if !found {
			seen[l] = append(rs, r)
		}
	}
	out := make(map[int32]int, len(seen))
	for l, rs := range seen {
		out[l] = len(rs)
	}
	return out
}
