package seeds

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// cityArea is the target area of the city in square metres (Hanoi: 3,360 km2).
const cityArea = 3.36e9

// mesh is the ward grid: ny rows of cells, row j (0 = south) holding
// cells lo[j] <= i < hi[j]. Removing cells at the four corners in staircases
// gives the outline its irregular shape; every row overlaps its neighbours
// by at least one cell, so the union of the cells is one simple polygon.
// Vertices are jittered and warped once and shared by all neighbouring cells.
type mesh struct {
	nx, ny int
	lo, hi []int
	vert   []xy // (nx+1)*(ny+1) vertices, index j*(nx+1)+i
}

// newMesh builds a mesh of exactly wards cells covering about cityArea
// within about 60 x 55 km.
func newMesh(wards int, rng *rand.Rand) (*mesh, error) {
	const width, height = 60_000.0, 55_000.0
	ny := max(1, int(math.Round(math.Sqrt(float64(wards)*height/width))))
	nx := (wards + ny - 1) / ny
	m := &mesh{nx: nx, ny: ny, lo: make([]int, ny), hi: make([]int, ny)}
	for j := range m.hi {
		m.hi[j] = nx
	}
	if err := m.trim(nx*ny-wards, rng); err != nil {
		return nil, err
	}
	// Scale the 60 x 55 km frame so that the cells left cover cityArea.
	f := math.Sqrt(cityArea / (width * height) * float64(nx*ny) / float64(wards))
	m.placeVertices(f*width/float64(nx), f*height/float64(ny), rng)
	return m, nil
}

// trim removes extra cells, cycling over the four corners.
func (m *mesh) trim(extra int, rng *rand.Rand) error {
	fails := 0
	for corner := 0; extra > 0; corner = (corner + 1) % 4 {
		if m.trimCorner(corner, rng) {
			extra, fails = extra-1, 0
			continue
		}
		if fails++; fails == 4 {
			return fmt.Errorf("seeds: cannot trim a %dx%d ward grid", m.nx, m.ny)
		}
	}
	return nil
}

// trimCorner removes one cell at a corner (bit 0: top, bit 1: right),
// extending that corner's staircase where it is shallowest, with a little
// randomness. It reports false if no cell there can go.
func (m *mesh) trimCorner(corner int, rng *rand.Rand) bool {
	top, right := corner&1 == 1, corner&2 == 2
	best, bestScore := -1, math.MaxInt
	for t := 0; t < (m.ny+1)/2; t++ {
		j, outer := t, t-1
		if top {
			j, outer = m.ny-1-t, m.ny-t
		}
		score := 4*(m.depth(j, right)+t) + rng.IntN(6)
		if score < bestScore && m.canTrim(j, outer, t, right) {
			best, bestScore = j, score
		}
	}
	if best < 0 {
		return false
	}
	if right {
		m.hi[best]--
	} else {
		m.lo[best]++
	}
	return true
}

// depth returns how many cells row j has lost on the given side.
func (m *mesh) depth(j int, right bool) int {
	if right {
		return m.nx - m.hi[j]
	}
	return m.lo[j]
}

// canTrim reports whether row j can lose a cell on the given side: the row
// keeps a cell, still overlaps its neighbours, and the staircase stays
// monotone (row outer, nearer the edge, already lost more cells).
func (m *mesh) canTrim(j, outer, t int, right bool) bool {
	lo, hi := m.lo[j], m.hi[j]
	if right {
		hi--
	} else {
		lo++
	}
	if hi-lo < 1 {
		return false
	}
	for _, k := range []int{j - 1, j + 1} {
		if k >= 0 && k < m.ny && min(hi, m.hi[k])-max(lo, m.lo[k]) < 1 {
			return false
		}
	}
	return t == 0 || m.depth(j, right)+1 <= m.depth(outer, right)
}

// placeVertices sets every vertex: a regular grid of cells sx by sy metres
// centred on the city centre, each vertex jittered by up to 18% of a cell
// along each axis, then the whole grid warped by a gentle shear so the
// outline is organic. The bounds keep every cell strictly convex.
func (m *mesh) placeVertices(sx, sy float64, rng *rand.Rand) {
	const warpAmp, warpLen = 1800.0, 50_000.0
	pa, pb := rng.Float64()*2*math.Pi, rng.Float64()*2*math.Pi
	m.vert = make([]xy, (m.nx+1)*(m.ny+1))
	for j := 0; j <= m.ny; j++ {
		for i := 0; i <= m.nx; i++ {
			x := (float64(i)-float64(m.nx)/2)*sx + (rng.Float64()-0.5)*0.36*sx
			y := (float64(j)-float64(m.ny)/2)*sy + (rng.Float64()-0.5)*0.36*sy
			wx := x + warpAmp*math.Sin(2*math.Pi*y/warpLen+pa)
			wy := y + warpAmp*math.Sin(2*math.Pi*x/warpLen+pb)
			m.vert[j*(m.nx+1)+i] = roundXY(wx, wy)
		}
	}
}

// v returns vertex (i, j).
func (m *mesh) v(i, j int) xy { return m.vert[j*(m.nx+1)+i] }

// cells returns the grid position of every cell in ward order: rows from
// north to south, each from west to east.
func (m *mesh) cells() [][2]int {
	var out [][2]int
	for j := m.ny - 1; j >= 0; j-- {
		for i := m.lo[j]; i < m.hi[j]; i++ {
			out = append(out, [2]int{i, j})
		}
	}
	return out
}

// quad returns the closed counter-clockwise ring of cell (i, j).
func (m *mesh) quad(i, j int) []xy {
	return []xy{m.v(i, j), m.v(i+1, j), m.v(i+1, j+1), m.v(i, j+1), m.v(i, j)}
}

// outline returns the closed counter-clockwise ring around all cells,
// passing through every grid vertex on the border so it matches the wards'
// edges exactly.
func (m *mesh) outline() []xy {
	var r ring
	for i := m.lo[0]; i <= m.hi[0]; i++ {
		r.add(m.v(i, 0))
	}
	for j := 0; j < m.ny; j++ {
		r.add(m.v(m.hi[j], j+1))
		if j+1 < m.ny {
			r.walk(m, m.hi[j], m.hi[j+1], j+1)
		}
	}
	r.walk(m, m.hi[m.ny-1], m.lo[m.ny-1], m.ny)
	for j := m.ny - 1; j >= 0; j-- {
		r.add(m.v(m.lo[j], j))
		if j > 0 {
			r.walk(m, m.lo[j], m.lo[j-1], j)
		}
	}
	return r.pts
}

// ring accumulates vertices, skipping repeats of the last one.
type ring struct{ pts []xy }

// add appends p unless it repeats the last vertex.
func (r *ring) add(p xy) {
	if n := len(r.pts); n == 0 || r.pts[n-1] != p {
		r.pts = append(r.pts, p)
	}
}

// walk appends the vertices of row line j from column a to column b.
func (r *ring) walk(m *mesh, a, b, j int) {
	step := 1
	if b < a {
		step = -1
	}
	for i := a; i != b+step; i += step {
		r.add(m.v(i, j))
	}
}
