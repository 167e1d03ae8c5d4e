package maps

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
)

// DefaultCellM is the default raster cell size of the derivation, in
// metres.
const DefaultCellM = 75

// MinCellM and MaxCellM bound the cell size a derivation accepts, in
// metres.
const (
	MinCellM = 5
	MaxCellM = 2000
)

// maxCells bounds the raster so that a mistaken cell size cannot exhaust
// memory: 40 million cells is a 60 x 55 km city at 10 m.
const maxCells = 40_000_000

// ErrGrid is wrapped by the errors of a raster that cannot be laid out.
var ErrGrid = errors.New("maps: cannot lay out the raster")

// metresPerDegreeLat is the length of one degree of latitude on the
// sphere of geo.DistanceHaversine.
const metresPerDegreeLat = geo.EarthRadiusM * math.Pi / 180

// grid is the raster of a derivation. Its corners lie on whole
// micro-degrees and its cell width and height are even numbers of
// micro-degrees, so that every corner and every edge midpoint (the
// vertices of the traced polygons) is an exact integer number of
// micro-degrees: GeoJSON coordinates rounded to 6 decimals are then exact,
// and the same on every machine. A cell is about cellM metres wide and
// high (exactly at the grid's middle latitude; within a fraction of a
// percent across a city).
type grid struct {
	x0, y0 int64 // south-west corner, micro-degrees of longitude and latitude
	dx, dy int64 // cell width and height, micro-degrees, even
	nx, ny int   // columns and rows
	cellM  float64
}

// newGrid lays out a raster of cells of about cellM metres covering b.
func newGrid(b orb.Bound, cellM float64) (grid, error) {
	if math.IsNaN(cellM) || cellM < MinCellM || cellM > MaxCellM {
		return grid{}, fmt.Errorf("%w: cell size %v m out of range [%d, %d]", ErrGrid, cellM, MinCellM, MaxCellM)
	}
	if b.Min[1] < -80 || b.Max[1] > 80 {
		return grid{}, fmt.Errorf("%w: latitudes beyond ±80° are not supported", ErrGrid)
	}
	lat0 := (b.Min[1] + b.Max[1]) / 2
	g := grid{cellM: cellM,
		x0: int64(math.Floor(b.Min[0] * 1e6)), y0: int64(math.Floor(b.Min[1] * 1e6)),
		dy: evenMicro(cellM / metresPerDegreeLat),
		dx: evenMicro(cellM / (metresPerDegreeLat * math.Cos(lat0*math.Pi/180))),
	}
	g.nx = int((int64(math.Ceil(b.Max[0]*1e6))-g.x0)/g.dx) + 1
	g.ny = int((int64(math.Ceil(b.Max[1]*1e6))-g.y0)/g.dy) + 1
	if g.nx*g.ny > maxCells {
		return grid{}, fmt.Errorf("%w: %d x %d cells of %v m exceed %d; choose a larger cell size", ErrGrid, g.nx, g.ny, cellM, maxCells)
	}
	return g, nil
}

// evenMicro converts degrees to a whole, even, positive number of
// micro-degrees.
func evenMicro(deg float64) int64 {
	return max(2, 2*int64(math.Round(deg*1e6/2)))
}

// cells returns the number of cells.
func (g *grid) cells() int { return g.nx * g.ny }

// centre returns the centre of cell (i, j), column i from the west, row j
// from the south, in degrees.
func (g *grid) centre(i, j int) orb.Point {
	return orb.Point{micro(g.x0 + int64(i)*g.dx + g.dx/2), micro(g.y0 + int64(j)*g.dy + g.dy/2)}
}

// half returns the position of half-cell coordinates (a, b) (corner (i, j)
// is (2i, 2j)) in micro-degrees.
func (g *grid) half(a, b int32) (int64, int64) {
	return g.x0 + int64(a)*g.dx/2, g.y0 + int64(b)*g.dy/2
}

// cellOf returns the cell containing p (a point on a cell's west or south
// edge belongs to that cell), or ok=false outside the grid.
func (g *grid) cellOf(p orb.Point) (i, j int, ok bool) {
	fi := math.Floor((p[0]*1e6 - float64(g.x0)) / float64(g.dx))
	fj := math.Floor((p[1]*1e6 - float64(g.y0)) / float64(g.dy))
	if fi < 0 || fj < 0 || fi >= float64(g.nx) || fj >= float64(g.ny) {
		return 0, 0, false
	}
	return int(fi), int(fj), true
}

func micro(v int64) float64 { return float64(v) / 1e6 }

// mask marks the cells whose centre lies inside any of the polygons (the
// union of the polygons; within one polygon, holes are outside). A centre
// exactly on an edge may fall either way.
func (g *grid) mask(polys []orb.Polygon) []bool {
	in := make([]bool, g.cells())
	type crossing struct {
		row int
		x   float64 // micro-degrees
	}
	var xs []crossing
	for _, poly := range polys {
		xs = xs[:0]
		for _, ring := range poly {
			for k := 0; k+1 < len(ring); k++ {
				a, b := ring[k], ring[k+1]
				ay, by := a[1]*1e6, b[1]*1e6
				if ay == by {
					continue
				}
				lo, hi := min(ay, by), max(ay, by)
				// rows whose centre y satisfies lo <= y < hi
				first := max(0, int(math.Ceil((lo-float64(g.y0)-float64(g.dy/2))/float64(g.dy))))
				for j := first; j < g.ny; j++ {
					y := float64(g.y0 + int64(j)*g.dy + g.dy/2)
					if y >= hi {
						break
					}
					if y < lo {
						continue
					}
					ax, bx := a[0]*1e6, b[0]*1e6
					xs = append(xs, crossing{j, ax + (y-ay)*(bx-ax)/(by-ay)})
				}
			}
		}
		slices.SortFunc(xs, func(p, q crossing) int {
			if p.row != q.row {
				return p.row - q.row
			}
			switch {
			case p.x < q.x:
				return -1
			case p.x > q.x:
				return 1
			}
			return 0
		})
		// Within a row, crossings pair up (even-odd rule); a row with an
		// odd count (a degenerate ring) leaves its last crossing unpaired.
		for start := 0; start < len(xs); {
			end := start
			for end < len(xs) && xs[end].row == xs[start].row {
				end++
			}
			for k := start; k+1 < end; k += 2 {
				g.markSpan(in, xs[k].row, xs[k].x, xs[k+1].x)
			}
			start = end
		}
	}
	return in
}

// markSpan marks the cells of row j whose centre x (micro-degrees) lies in
// [x0, x1).
func (g *grid) markSpan(in []bool, j int, x0, x1 float64) {
	c := float64(g.x0) + float64(g.dx/2)
	first := max(0, int(math.Ceil((x0-c)/float64(g.dx))))
	for i := first; i < g.nx; i++ {
		x := c + float64(int64(i)*g.dx)
		if x >= x1 {
			break
		}
		in[j*g.nx+i] = true
	}
}
