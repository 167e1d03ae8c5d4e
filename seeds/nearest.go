package seeds

// nearIndex answers k-nearest queries over a fixed set of points with a grid
// of square cells. Results are ordered by (squared distance, point index),
// so they never depend on the grid.
type nearIndex struct {
	pts        []xy
	ids        []int32 // caller's id for each point
	min        xy
	cell       int64 // metres
	cols, rows int
	cells      [][]int32 // point indices per cell
	scratch    []hit     // reused by nearest; the index is not safe for concurrent use
}

// newNearIndex indexes pts (with the caller's ids) in cells of cell metres.
func newNearIndex(pts []xy, ids []int32, cell int64) *nearIndex {
	ix := &nearIndex{pts: pts, ids: ids, cell: cell, cols: 1, rows: 1}
	if len(pts) > 0 {
		lo, hi := pts[0], pts[0]
		for _, p := range pts {
			lo = xy{min(lo.X, p.X), min(lo.Y, p.Y)}
			hi = xy{max(hi.X, p.X), max(hi.Y, p.Y)}
		}
		ix.min = lo
		ix.cols, ix.rows = int((hi.X-lo.X)/cell)+1, int((hi.Y-lo.Y)/cell)+1
	}
	ix.cells = make([][]int32, ix.cols*ix.rows)
	for i, p := range pts {
		c, r := ix.cellOf(p)
		ix.cells[r*ix.cols+c] = append(ix.cells[r*ix.cols+c], int32(i))
	}
	return ix
}

// cellOf returns the column and row of p, clamped to the grid.
func (ix *nearIndex) cellOf(p xy) (int, int) {
	c := int((p.X - ix.min.X) / ix.cell)
	r := int((p.Y - ix.min.Y) / ix.cell)
	if p.X < ix.min.X {
		c = 0
	}
	if p.Y < ix.min.Y {
		r = 0
	}
	return min(c, ix.cols-1), min(r, ix.rows-1)
}

// hit is one query result: a point index and its squared distance.
type hit struct {
	i  int32
	d2 int64
}

// nearest appends to dst the ids of the k points nearest p, nearest first.
// It searches rings of cells outwards and stops once no unseen cell can hold
// a nearer point.
func (ix *nearIndex) nearest(p xy, k int, dst []int32) []int32 {
	if k <= 0 || len(ix.pts) == 0 {
		return dst
	}
	best := ix.scratch[:0]
	defer func() { ix.scratch = best[:0] }()
	c0, r0 := ix.cellOf(p)
	for ring := 0; ; ring++ {
		if !ix.scanRing(c0, r0, ring, p, k, &best) {
			break
		}
		if len(best) >= k {
			reach := int64(ring) * ix.cell // any unseen cell is at least this far
			if best[k-1].d2 <= reach*reach {
				break
			}
		}
	}
	for _, h := range best[:min(k, len(best))] {
		dst = append(dst, ix.ids[h.i])
	}
	return dst
}

// scanRing offers the points of the cells at Chebyshev distance ring from
// (c0, r0) to best, which keeps the k nearest sorted. It reports false once
// the ring lies wholly outside the grid.
func (ix *nearIndex) scanRing(c0, r0, ring int, p xy, k int, best *[]hit) bool {
	if c0-ring < 0 && r0-ring < 0 && c0+ring >= ix.cols && r0+ring >= ix.rows {
		return false
	}
	for r := r0 - ring; r <= r0+ring; r++ {
		if r < 0 || r >= ix.rows {
			continue
		}
		step := 1
		if r != r0-ring && r != r0+ring {
			step = 2 * ring // only the two side cells of middle rows
		}
		for c := c0 - ring; c <= c0+ring; c += max(step, 1) {
			if c >= 0 && c < ix.cols {
				for _, i := range ix.cells[r*ix.cols+c] {
					*best = offer(*best, hit{i, dist2(p, ix.pts[i])}, k)
				}
			}
		}
	}
	return true
}

// offer inserts h into best, sorted by (d2, i) and at most k long.
func offer(best []hit, h hit, k int) []hit {
	pos := len(best)
	for pos > 0 && less(h, best[pos-1]) {
		pos--
	}
	if pos >= k {
		return best
	}
	if len(best) < k {
		best = append(best, hit{})
	}
	copy(best[pos+1:], best[pos:])
	best[pos] = h
	return best
}

// less orders hits by squared distance, then point index.
func less(a, b hit) bool { return a.d2 < b.d2 || a.d2 == b.d2 && a.i < b.i }
