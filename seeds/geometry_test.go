package seeds

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geo"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryPointLiesInOneWardAndOutsideTheRiver(t *testing.T) {
	g := smallCity(t)
	codes, polys := wardPolygons(t, g)
	river := riverPolygon(t, g)
	boundary := boundaryPolygon(t, g)
	for _, name := range []string{"schools.geojson", "applicants.geojson"} {
		for i, f := range g.fcs[name].Features {
			p := f.Geometry.(orb.Point)
			in := wardsContaining(codes, polys, p)
			require.Lenf(t, in, 1, "%s feature %d at %v lies in wards %v", name, i, p, in)
			require.Truef(t, planar.PolygonContains(boundary, p), "%s feature %d outside the city", name, i)
			require.Falsef(t, planar.PolygonContains(river, p), "%s feature %d in the river", name, i)
			if name == "schools.geojson" {
				require.Equalf(t, in[0], f.Properties.MustString("ward"), "school %d's ward", i)
			}
		}
	}
}

func TestWardsTileTheCityWithoutGapsOrOverlaps(t *testing.T) {
	g := smallCity(t)
	codes, polys := wardPolygons(t, g)
	require.Len(t, codes, g.city.cfg.Wards)
	seen := map[string]bool{}
	var sum float64
	for i, c := range codes {
		require.Regexp(t, wardCode, c)
		require.Falsef(t, seen[c], "duplicate ward code %s", c)
		seen[c] = true
		require.NotEmpty(t, g.fcs["wards.geojson"].Features[i].Properties.MustString("name"))
		sum += planar.Area(polys[i])
	}
	boundary := boundaryPolygon(t, g)
	assert.InDelta(t, planar.Area(boundary), sum, 1e-9, "wards' areas add up to the city's")
	rng := rand.New(rand.NewPCG(1, 2))
	b := boundary.Bound()
	for range 20_000 {
		p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
		n := len(wardsContaining(codes, polys, p))
		if planar.PolygonContains(boundary, p) {
			require.Equalf(t, 1, n, "point %v in the city lies in %d wards", p, n)
		} else {
			require.Zerof(t, n, "point %v outside the city lies in a ward", p)
		}
	}
}

func TestCityIsHanoiSized(t *testing.T) {
	g := smallCity(t)
	b := boundaryPolygon(t, g)
	area := geo.Area(b) / 1e6
	assert.InDelta(t, 3360, area, 200, "area in km2")
	bound := b.Bound()
	width := geo.Distance(orb.Point{bound.Min[0], 21.03}, orb.Point{bound.Max[0], 21.03}) / 1000
	height := geo.Distance(orb.Point{105.85, bound.Min[1]}, orb.Point{105.85, bound.Max[1]}) / 1000
	assert.InDelta(t, 60, width, 8, "east-west extent in km")
	assert.InDelta(t, 55, height, 8, "north-south extent in km")
	c := bound.Center()
	assert.InDelta(t, 105.85, c[0], 0.05)
	assert.InDelta(t, 21.03, c[1], 0.05)
}

func TestMeshHasExactlyTheRequestedWards(t *testing.T) {
	for wards := 1; wards <= 300; wards++ {
		m, err := newMesh(wards, rand.New(rand.NewPCG(uint64(wards), 1)))
		require.NoError(t, err, "wards=%d", wards)
		cells := m.cells()
		require.Len(t, cells, wards)
		var sum int64
		for _, c := range cells {
			q := m.quad(c[0], c[1])
			require.Truef(t, convex(toLLs(q)), "wards=%d cell %v not convex", wards, c)
			sum += int64(2 * ringArea(q))
		}
		out := m.outline()
		require.Equal(t, out[0], out[len(out)-1], "outline closed")
		require.Equalf(t, sum, int64(2*ringArea(out)), "wards=%d: cells' areas add up to the outline's", wards)
	}
}

func TestRiverIsABandThatCutsTheCityInTwo(t *testing.T) {
	sizes := landAreas(smallCity(t).city)
	assert.Equal(t, 2, countLarge(sizes), "large land areas either side of the river (sizes %v)", sizes)
}

// landAreas returns the sizes, in 250 m cells, of the 4-connected areas of
// the city that lie outside the river.
func landAreas(c *City) []int {
	w := c.world
	const step = 250 // metres
	lo, hi := w.lo, w.hi
	cols, rows := int((hi.X-lo.X)/step)+1, int((hi.Y-lo.Y)/step)+1
	land := make([]bool, cols*rows)
	for r := range rows {
		for c := range cols {
			p := xy{lo.X + int64(c)*step, lo.Y + int64(r)*step}
			land[r*cols+c] = w.index.find(p.toLL(), 0) >= 0 && !w.river.contains(p, 0)
		}
	}
	return components(land, cols, rows)
}

// countLarge counts the areas holding more than 1% of all land cells.
func countLarge(sizes []int) int {
	total, n := 0, 0
	for _, s := range sizes {
		total += s
	}
	for _, s := range sizes {
		if s > total/100 {
			n++
		}
	}
	return n
}

// components returns the sizes of the 4-connected components of true cells.
func components(grid []bool, cols, rows int) []int {
	seen := make([]bool, len(grid))
	var sizes []int
	for start := range grid {
		if !grid[start] || seen[start] {
			continue
		}
		n, stack := 0, []int{start}
		seen[start] = true
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			n++
			c, r := i%cols, i/cols
			for _, d := range [][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				cc, rr := c+d[0], r+d[1]
				j := rr*cols + cc
				if cc >= 0 && cc < cols && rr >= 0 && rr < rows && grid[j] && !seen[j] {
					seen[j] = true
					stack = append(stack, j)
				}
			}
		}
		sizes = append(sizes, n)
	}
	return sizes
}

func TestRiverIsFourHundredToAThousandMetresWide(t *testing.T) {
	g := smallCity(t)
	river := riverPolygon(t, g)[0]
	var centre orb.LineString
	for _, f := range g.fcs["rivers.geojson"].Features {
		if l, ok := f.Geometry.(orb.LineString); ok {
			centre = l
		}
	}
	require.NotEmpty(t, centre)
	for i, p := range centre[1 : len(centre)-1] { // the ends lie on the caps
		d := 2 * distanceToRing(p, river)
		assert.Truef(t, d > 380 && d < 1000, "width %.0f m at centre-line vertex %d", d, i)
	}
}

// distanceToRing returns the distance in metres from p to the nearest edge
// of ring, in a local equirectangular projection.
func distanceToRing(p orb.Point, ring orb.Ring) float64 {
	kx, ky := float64(metresPerDegLon), float64(metresPerDegLat)
	best := math.Inf(1)
	for i := 0; i+1 < len(ring); i++ {
		a := orb.Point{(ring[i][0] - p[0]) * kx, (ring[i][1] - p[1]) * ky}
		b := orb.Point{(ring[i+1][0] - p[0]) * kx, (ring[i+1][1] - p[1]) * ky}
		best = math.Min(best, planar.DistanceFromSegment(a, b, orb.Point{}))
	}
	return best
}

func TestRoadsAreAMajorNetworkWithBridges(t *testing.T) {
	g := smallCity(t)
	river := riverPolygon(t, g)
	roads := g.fcs["roads.geojson"].Features
	assert.GreaterOrEqual(t, len(roads), 24)
	assert.LessOrEqual(t, len(roads), 120)
	bridges := 0
	for i, f := range roads {
		l, ok := f.Geometry.(orb.LineString)
		require.Truef(t, ok, "road %d", i)
		require.GreaterOrEqual(t, len(l), 2)
		require.Contains(t, []string{"primary", "secondary"}, f.Properties.MustString("road_class"))
		require.NotEmpty(t, f.Properties.MustString("name"))
		if f.Properties["bridge"] == true {
			bridges++
			assert.Falsef(t, planar.PolygonContains(river, l[0]), "bridge %d starts on land", i)
			assert.Falsef(t, planar.PolygonContains(river, l[len(l)-1]), "bridge %d ends on land", i)
		}
	}
	assert.GreaterOrEqual(t, bridges, 4, fmt.Sprintf("bridges among %d roads", len(roads)))
}
