package maps

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
)

// labeller answers, for many points, exactly what round.Locator answers:
// the school of the nearest placed home of the level within the level's
// cap, by integer haversine metres, ties by applicant id. round.Locator
// widens a radius search from 1 km and sorts every home it finds, which
// is right for one address but too slow for a million raster cells in a
// dense city; the labeller instead finds the nearest home in a planar
// projection with a k-d tree, gathers every home that could tie with it
// once the projection's distortion is allowed for, and decides among those
// with geo.DistanceHaversine. The brute-force oracle test checks that both
// agree on every cell.
type labeller struct {
	capM   int
	homes  []orb.Point // placed homes of the level, in applicant id order
	school []int32     // per home: index into Result.Schools
	tree   kdTree
	lon0   float64 // projection origin, degrees
	kx     float64 // metres per degree of longitude in the projection
	eps    float64 // bound on |planar/haversine - 1| over the area
}

func newLabeller(r *allocator.Result, l geo.Level, area orb.Bound) *labeller {
	lb := &labeller{capM: r.Policy.MaxDistanceM[l]}
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		if a.Level == l && p.Status == allocator.Assigned {
			lb.homes = append(lb.homes, a.Loc)
			lb.school = append(lb.school, p.School)
		}
	}
	lat0 := (area.Min[1] + area.Max[1]) / 2
	lb.lon0 = (area.Min[0] + area.Max[0]) / 2
	lb.kx = metresPerDegreeLat * math.Cos(lat0*math.Pi/180)
	// The projection scales longitude by cos(lat0) everywhere; a path at
	// latitude φ is stretched by cos(φ)/cos(lat0). Bound that over the
	// area widened by the cap (and a margin for the curvature terms).
	reach := (float64(lb.capM) + 2000) / metresPerDegreeLat
	lo, hi := area.Min[1]-reach, area.Max[1]+reach
	c0 := math.Cos(lat0 * math.Pi / 180)
	lb.eps = max(math.Abs(math.Cos(lo*math.Pi/180)/c0-1), math.Abs(math.Cos(hi*math.Pi/180)/c0-1)) + 1e-4
	xs, ys := make([]float64, len(lb.homes)), make([]float64, len(lb.homes))
	for i, p := range lb.homes {
		xs[i], ys[i] = lb.project(p)
	}
	lb.tree = newKDTree(xs, ys)
	return lb
}

func (lb *labeller) project(p orb.Point) (float64, float64) {
	return float64((p[0] - lb.lon0) * lb.kx), float64(p[1] * metresPerDegreeLat)
}

// label returns the index into Result.Schools of the school p belongs to,
// or -1 when no placed home lies within the cap. buf is scratch space.
func (lb *labeller) label(p orb.Point, buf *[]int32) int32 {
	home := lb.locate(p, buf)
	if home < 0 {
		return -1
	}
	return lb.school[home]
}

// locate returns the deciding home (index into homes), or -1.
func (lb *labeller) locate(p orb.Point, buf *[]int32) int32 {
	qx, qy := lb.project(p)
	e := lb.eps
	// A home within the cap (rounded haversine <= cap) is at most
	// (cap+0.5)/(1-e) away in the plane.
	limit := (float64(lb.capM)+0.5)/(1-e) + 1
	near, d2 := lb.tree.nearest(qx, qy, limit*limit)
	if near < 0 {
		return -1
	}
	// Every home whose rounded haversine distance equals the minimum lies
	// within r of p in the plane (see the package documentation).
	pd := math.Sqrt(d2)
	r := ((1+e)*pd+1)/(1-e) + 1
	cands := lb.tree.within(qx, qy, r*r, (*buf)[:0])
	*buf = cands
	if len(cands) == 1 && (1+e)*pd+0.5 <= float64(lb.capM) {
		return cands[0]
	}
	best, bestD := int32(-1), math.MaxInt
	for _, c := range cands {
		d := geo.DistanceHaversine(p, lb.homes[c])
		if d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	if bestD > lb.capM {
		return -1
	}
	return best
}

// labelGrid labels every masked cell, rows in parallel; unmasked cells get
// -1. The result does not depend on the number of goroutines.
func (lb *labeller) labelGrid(ctx context.Context, g *grid, in []bool, progress func(done, total int)) ([]int32, error) {
	labels := make([]int32, g.cells())
	var next, done int
	var mu sync.Mutex
	take := func() int {
		mu.Lock()
		defer mu.Unlock()
		if ctx.Err() != nil || next >= g.ny {
			return -1
		}
		next++
		return next - 1
	}
	finish := func() {
		mu.Lock()
		defer mu.Unlock()
		done++
		if progress != nil && (done%64 == 0 || done == g.ny) {
			progress(done, g.ny)
		}
	}
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []int32
			for j := take(); j >= 0; j = take() {
				row := labels[j*g.nx : (j+1)*g.nx]
				for i := range row {
					row[i] = -1
					if in[j*g.nx+i] {
						row[i] = lb.label(g.centre(i, j), &buf)
					}
				}
				finish()
			}
		}()
	}
	wg.Wait()
	return labels, ctx.Err()
}

// kdTree is a static 2-d tree over planar points, stored implicitly: the
// median of a range is its root, the halves its subtrees.
type kdTree struct {
	x, y []float64 // in tree order
	id   []int32   // in tree order: the point's index as given
}

const kdLeaf = 8

func newKDTree(xs, ys []float64) kdTree {
	t := kdTree{x: make([]float64, len(xs)), y: make([]float64, len(xs)), id: make([]int32, len(xs))}
	for i := range t.id {
		t.id[i] = int32(i)
	}
	t.build(xs, ys, t.id, 0)
	for k, i := range t.id {
		t.x[k], t.y[k] = xs[i], ys[i]
	}
	return t
}

// build orders ids so that each range's median splits it on the depth's
// axis; ties by id keep the layout deterministic.
func (t *kdTree) build(xs, ys []float64, ids []int32, depth int) {
	if len(ids) <= kdLeaf {
		return
	}
	key := xs
	if depth%2 == 1 {
		key = ys
	}
	slices.SortFunc(ids, func(a, b int32) int {
		switch {
		case key[a] < key[b]:
			return -1
		case key[a] > key[b]:
			return 1
		}
		return int(a - b)
	})
	m := len(ids) / 2
	t.build(xs, ys, ids[:m], depth+1)
	t.build(xs, ys, ids[m+1:], depth+1)
}

// nearest returns the point nearest to (qx, qy) with squared distance
// below maxD2, and that squared distance; -1 when there is none.
func (t *kdTree) nearest(qx, qy, maxD2 float64) (int32, float64) {
	best, bestD2 := int32(-1), maxD2
	t.nearestIn(0, len(t.id), 0, qx, qy, &best, &bestD2)
	return best, bestD2
}

func (t *kdTree) nearestIn(lo, hi, depth int, qx, qy float64, best *int32, bestD2 *float64) {
	if hi-lo <= kdLeaf {
		for k := lo; k < hi; k++ {
			dx, dy := t.x[k]-qx, t.y[k]-qy
			if d2 := dx*dx + dy*dy; d2 < *bestD2 {
				*best, *bestD2 = t.id[k], d2
			}
		}
		return
	}
	m := (lo + hi) / 2
	dx, dy := t.x[m]-qx, t.y[m]-qy
	if d2 := dx*dx + dy*dy; d2 < *bestD2 {
		*best, *bestD2 = t.id[m], d2
	}
	diff := dx
	if depth%2 == 1 {
		diff = dy
	}
	// diff > 0: the query lies below the split, in the first half.
	if diff > 0 {
		t.nearestIn(lo, m, depth+1, qx, qy, best, bestD2)
		if diff*diff < *bestD2 {
			t.nearestIn(m+1, hi, depth+1, qx, qy, best, bestD2)
		}
		return
	}
	t.nearestIn(m+1, hi, depth+1, qx, qy, best, bestD2)
	if diff*diff < *bestD2 {
		t.nearestIn(lo, m, depth+1, qx, qy, best, bestD2)
	}
}

// within appends to dst the points within squared distance r2 of (qx, qy).
func (t *kdTree) within(qx, qy, r2 float64, dst []int32) []int32 {
	return t.withinIn(0, len(t.id), 0, qx, qy, r2, dst)
}

func (t *kdTree) withinIn(lo, hi, depth int, qx, qy, r2 float64, dst []int32) []int32 {
	if hi-lo <= kdLeaf {
		for k := lo; k < hi; k++ {
			dx, dy := t.x[k]-qx, t.y[k]-qy
			if dx*dx+dy*dy <= r2 {
				dst = append(dst, t.id[k])
			}
		}
		return dst
	}
	m := (lo + hi) / 2
	dx, dy := t.x[m]-qx, t.y[m]-qy
	if dx*dx+dy*dy <= r2 {
		dst = append(dst, t.id[m])
	}
	diff := dx
	if depth%2 == 1 {
		diff = dy
	}
	if diff > 0 || diff*diff <= r2 {
		dst = t.withinIn(lo, m, depth+1, qx, qy, r2, dst)
	}
	if diff <= 0 || diff*diff <= r2 {
		dst = t.withinIn(m+1, hi, depth+1, qx, qy, r2, dst)
	}
	return dst
}
