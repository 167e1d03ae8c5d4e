package seeds

import (
	"fmt"
	"math/rand/v2"
)

// wardMargin is how far, in micro-degrees (about 0.3 m), a school or home
// stays from every ward edge, so any point-in-polygon test agrees on its ward.
const wardMargin = 3

// ward is one ward or commune: a strictly convex quadrilateral.
type ward struct {
	code, name string
	place      string // name without the ward/commune prefix
	ring       []ll   // closed, counter-clockwise
	centre     xy     // mean of the corners, metres
	urban      bool   // a ward (phuong) rather than a commune (xa)
}

// newWards builds the wards of mesh m in ward order, with codes and names.
func newWards(m *mesh, towns []xy, rng *rand.Rand) ([]ward, error) {
	cells := m.cells()
	names := wardNames(len(cells), rng)
	out := make([]ward, len(cells))
	for k, c := range cells {
		q := m.quad(c[0], c[1])
		w := ward{code: fmt.Sprintf("%05d", 1+3*k), ring: toLLs(q), centre: mean(q[:4])}
		if !convex(w.ring) {
			return nil, fmt.Errorf("seeds: ward %s is not convex", w.code)
		}
		w.urban = nearAny(w.centre, towns, 6000)
		w.place, w.name = names[k], "Xã "+names[k]
		if w.urban {
			w.name = "Phường " + names[k]
		}
		out[k] = w
	}
	return out, nil
}

// toLLs converts planar positions to micro-degrees.
func toLLs(pts []xy) []ll {
	out := make([]ll, len(pts))
	for i, p := range pts {
		out[i] = p.toLL()
	}
	return out
}

// mean returns the mean of pts, in whole metres.
func mean(pts []xy) xy {
	var s xy
	for _, p := range pts {
		s.X += p.X
		s.Y += p.Y
	}
	n := int64(len(pts))
	return xy{divRound(s.X, n), divRound(s.Y, n)}
}

// nearAny reports whether p lies within r metres of any of pts.
func nearAny(p xy, pts []xy, r int64) bool {
	for _, q := range pts {
		if dist2(p, q) <= r*r {
			return true
		}
	}
	return false
}

// cross returns the z component of (b-a) x (p-a): positive when p lies left
// of the directed line a->b.
func cross(a, b, p ll) int64 {
	return (b.Lon-a.Lon)*(p.Lat-a.Lat) - (b.Lat-a.Lat)*(p.Lon-a.Lon)
}

// convex reports whether the closed ring turns strictly left at every vertex.
func convex(r []ll) bool {
	n := len(r) - 1
	for i := range n {
		if cross(r[i], r[(i+1)%n], r[(i+2)%n]) <= 0 {
			return false
		}
	}
	return true
}

// insideConvex reports whether p lies inside the convex closed ring r at
// least margin micro-degrees from every edge (tested against the L1 length of
// the edge, which is stricter than the Euclidean one).
func insideConvex(r []ll, p ll, margin int64) bool {
	for i := 0; i+1 < len(r); i++ {
		a, b := r[i], r[i+1]
		l1 := abs(b.Lon-a.Lon) + abs(b.Lat-a.Lat)
		if cross(a, b, p) <= margin*l1 {
			return false
		}
	}
	return true
}

// abs returns |v|.
func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// wardIndex finds the ward holding a point through a grid of buckets, each
// listing (in ward order) the wards whose bounding box meets it.
type wardIndex struct {
	wards          []ward
	minLon, minLat int64
	size           int64 // bucket edge, micro-degrees
	cols, rows     int
	buckets        [][]int32
}

// newWardIndex indexes wards with buckets of about a quarter of a ward.
func newWardIndex(wards []ward) *wardIndex {
	lo, hi := bounds(wards)
	size := max(1000, (hi.Lon-lo.Lon)/int64(4*isqrt(len(wards))+1))
	ix := &wardIndex{wards: wards, minLon: lo.Lon, minLat: lo.Lat, size: size}
	ix.cols = int((hi.Lon-lo.Lon)/size) + 1
	ix.rows = int((hi.Lat-lo.Lat)/size) + 1
	ix.buckets = make([][]int32, ix.cols*ix.rows)
	for k, w := range wards {
		a, b := bounds([]ward{w})
		c0, r0 := ix.bucket(a)
		c1, r1 := ix.bucket(b)
		for r := r0; r <= r1; r++ {
			for c := c0; c <= c1; c++ {
				ix.buckets[r*ix.cols+c] = append(ix.buckets[r*ix.cols+c], int32(k))
			}
		}
	}
	return ix
}

// bucket returns the column and row of p, clamped to the grid.
func (ix *wardIndex) bucket(p ll) (int, int) {
	c := int((p.Lon - ix.minLon) / ix.size)
	r := int((p.Lat - ix.minLat) / ix.size)
	return min(max(c, 0), ix.cols-1), min(max(r, 0), ix.rows-1)
}

// find returns the index of the ward holding p at least margin micro-degrees
// inside, or -1.
func (ix *wardIndex) find(p ll, margin int64) int {
	if p.Lon < ix.minLon || p.Lat < ix.minLat {
		return -1
	}
	c, r := ix.bucket(p)
	if int64(c+1)*ix.size+ix.minLon <= p.Lon || int64(r+1)*ix.size+ix.minLat <= p.Lat {
		return -1
	}
	for _, k := range ix.buckets[r*ix.cols+c] {
		if insideConvex(ix.wards[k].ring, p, margin) {
			return int(k)
		}
	}
	return -1
}

// bounds returns the corners of the bounding box of the wards' rings.
func bounds(wards []ward) (lo, hi ll) {
	lo = ll{1 << 62, 1 << 62}
	hi = ll{-1 << 62, -1 << 62}
	for _, w := range wards {
		for _, p := range w.ring {
			lo = ll{min(lo.Lon, p.Lon), min(lo.Lat, p.Lat)}
			hi = ll{max(hi.Lon, p.Lon), max(hi.Lat, p.Lat)}
		}
	}
	return lo, hi
}

// isqrt returns the integer square root of n >= 0.
func isqrt(n int) int {
	r := 0
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}
