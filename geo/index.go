package geo

// This is the only file that imports the R-tree. Every search is two-phase:
// a bounding-box query on the tree, then the exact test (haversine metres or
// point-in-polygon), with results ordered by a stable key, because the tree
// itself returns items in no defined order.

import (
	"math"
	"slices"
	"sync"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// Candidate is a point of a PointIndex at an integer distance, in metres,
// from a query point.
type Candidate struct {
	Index int32 // position of the point in the slice given to NewPointIndex
	DistM int32 // DistanceHaversine to the query point
}

// PointIndex answers radius and nearest queries over a fixed set of points,
// such as the schools that offer one level. Ties in distance break by the
// point's position, so callers give the points in id order to get the
// contract's (distance, id) order. It is safe for concurrent queries.
type PointIndex struct {
	tree    rtree.RTreeGN[float64, int32]
	pts     []orb.Point
	sph     []sphere
	spacing float64 // metres: the radius that would hold one point if they were spread evenly
}

// NewPointIndex indexes pts; pts must not change afterwards.
func NewPointIndex(pts []orb.Point) *PointIndex {
	ix := &PointIndex{pts: pts, sph: make([]sphere, len(pts))}
	for i, p := range pts {
		ix.tree.Insert(p, p, int32(i))
		ix.sph[i] = onSphere(p)
	}
	ix.spacing = meanSpacingM(pts)
	return ix
}

// meanSpacingM returns the radius, in metres, of a disc that would hold one
// of pts if they were spread evenly over their bounding box; 0 for fewer
// than two points.
func meanSpacingM(pts []orb.Point) float64 {
	if len(pts) < 2 {
		return 0
	}
	b := orb.MultiPoint(pts).Bound()
	mid := (b.Min[1] + b.Max[1]) / 2
	w := (b.Max[0] - b.Min[0]) * metresPerDegreeLat * math.Cos(mid*degToRad)
	h := (b.Max[1] - b.Min[1]) * metresPerDegreeLat
	return math.Sqrt(max(w, 1) * max(h, 1) / (math.Pi * float64(len(pts))))
}

// Len returns the number of indexed points.
func (ix *PointIndex) Len() int { return len(ix.pts) }

// Within appends to dst every point whose distance to p is at most maxM
// metres, sorted by (distance, position), and returns it.
func (ix *PointIndex) Within(p orb.Point, maxM int, dst []Candidate) []Candidate {
	start := len(dst)
	b := BoundAround(p, maxM)
	q := onSphere(p)
	ix.tree.Search(b.Min, b.Max, func(_, _ [2]float64, i int32) bool {
		if d := haversine(q, ix.sph[i]); d <= maxM {
			dst = append(dst, Candidate{Index: i, DistM: int32(d)})
		}
		return true
	})
	sortCandidates(dst[start:])
	return dst
}

// Nearest appends to dst the k points nearest to p within maxM metres, in
// (distance, position) order, and returns it. The result is always the
// first k entries of what Within would return; fewer when fewer points lie
// within maxM.
func (ix *PointIndex) Nearest(p orb.Point, k, maxM int, dst []Candidate) []Candidate {
	if k <= 0 {
		return dst
	}
	start := len(dst)
	for r := min(ix.firstRadiusM(k), maxM); ; r = min(2*r, maxM) {
		dst = ix.Within(p, r, dst[:start])
		// Every point within r is found, and any other is farther than r,
		// so once k are found they are the k nearest.
		if len(dst)-start >= k || r == maxM {
			break
		}
	}
	return dst[:start+min(k, len(dst)-start)]
}

// firstRadiusM is the radius a search for the k nearest tries first: the
// radius that would hold k points spread evenly, so that a search in a
// dense place (one home among 100,000) does not measure thousands of
// points; at most firstNearestRadiusM. It grows by doubling up to the cap.
func (ix *PointIndex) firstRadiusM(k int) int {
	r := ix.spacing * math.Sqrt(float64(k))
	return int(min(max(r, minNearestRadiusM), firstNearestRadiusM))
}

const (
	firstNearestRadiusM = 1000
	minNearestRadiusM   = 16
)

// sortCandidates orders by (distance, position), sorting packed 64-bit
// keys, which is several times faster than sorting with a comparison
// function.
func sortCandidates(cs []Candidate) {
	if len(cs) < 2 {
		return
	}
	buf := sortKeys.Get().(*[]uint64)
	keys := (*buf)[:0]
	for _, c := range cs {
		keys = append(keys, uint64(uint32(c.DistM))<<32|uint64(uint32(c.Index)))
	}
	slices.Sort(keys)
	for i, k := range keys {
		cs[i] = Candidate{Index: int32(uint32(k)), DistM: int32(k >> 32)}
	}
	*buf = keys
	sortKeys.Put(buf)
}

// sortKeys recycles the scratch space of sortCandidates across queries.
var sortKeys = sync.Pool{New: func() any { return new([]uint64) }}

// AreaIndex finds which of a fixed set of areas (wards, catchments) contain
// a point. It is safe for concurrent queries.
type AreaIndex struct {
	tree  rtree.RTreeGN[float64, int32]
	areas []orb.MultiPolygon
}

// NewAreaIndex indexes areas; they must not change afterwards.
func NewAreaIndex(areas []orb.MultiPolygon) *AreaIndex {
	ix := &AreaIndex{areas: areas}
	for i, a := range areas {
		for _, poly := range a {
			b := poly.Bound()
			ix.tree.Insert(b.Min, b.Max, int32(i))
		}
	}
	return ix
}

// Containing appends to dst the positions of the areas that contain p
// (boundary included), in increasing order, and returns it.
func (ix *AreaIndex) Containing(p orb.Point, dst []int32) []int32 {
	start := len(dst)
	ix.tree.Search(p, p, func(_, _ [2]float64, i int32) bool {
		if !slices.Contains(dst[start:], i) && planar.MultiPolygonContains(ix.areas[i], p) {
			dst = append(dst, i)
		}
		return true
	})
	slices.Sort(dst[start:])
	return dst
}

// First returns the lowest position of an area containing p, or -1.
func (ix *AreaIndex) First(p orb.Point) int {
	var buf [4]int32
	if found := ix.Containing(p, buf[:0]); len(found) > 0 {
		return int(found[0])
	}
	return -1
}

// Point returns the indexed point at position i.
func (ix *PointIndex) Point(i int) orb.Point { return ix.pts[i] }
