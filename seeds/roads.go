package seeds

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// road is one road feature: a piece of a named road that is either on land
// or a bridge over the river.
type road struct {
	name, class string
	bridge      bool
	line        []xy
}

// roadStep is the spacing of road vertices in metres.
const roadStep = 250.0

// ringCentre is the centre of the ring roads, in the urban core.
var ringCentre = xy{-2000, -1500}

// Road names: ring roads by radius, radial highways, provincial roads.
var (
	ringRoads = []struct {
		name   string
		radius float64
	}{{"Vành đai 1", 2500}, {"Vành đai 2", 5000}, {"Vành đai 3", 8500}, {"Vành đai 4", 15000}}
	radialRoads = []string{
		"Quốc lộ 1A", "Quốc lộ 5", "Quốc lộ 3", "Quốc lộ 2",
		"Quốc lộ 32", "Đại lộ Thăng Long", "Quốc lộ 6", "Quốc lộ 21B",
	}
)

// secondaryRoads is how many provincial roads join pairs of towns.
const secondaryRoads = 14

// makeRoads lays out ring roads and radial highways (primary) and
// provincial roads between towns (secondary), cut where they leave the city
// and split into bridges where they cross the river.
func makeRoads(w *world, rng *rand.Rand) []road {
	var out []road
	for _, rr := range ringRoads {
		out = append(out, w.cut(rr.name, "primary", ringLine(rr.radius, rng), true)...)
	}
	for k, name := range radialRoads {
		bearing := (float64(k)*45 + 10 + rng.Float64()*10) * math.Pi / 180
		out = append(out, w.cut(name, "primary", radialLine(bearing, rng), false)...)
	}
	t := towns()
	for k := range secondaryRoads {
		a, b := townPair(t, rng)
		name := fmt.Sprintf("Đường tỉnh %d", 411+3*k)
		out = append(out, w.cut(name, "secondary", curve(a, b, rng), false)...)
	}
	return out
}

// ringLine returns a closed wobbly ring of about radius metres around
// ringCentre.
func ringLine(radius float64, rng *rand.Rand) []xy {
	p1, p2 := rng.Float64()*2*math.Pi, rng.Float64()*2*math.Pi
	n := max(24, int(2*math.Pi*radius/roadStep))
	cx, cy := ringCentre.metres()
	out := make([]xy, 0, n+1)
	for i := range n {
		t := 2 * math.Pi * float64(i) / float64(n)
		r := radius * (1 + 0.08*math.Sin(2*t+p1) + 0.04*math.Sin(5*t+p2))
		out = append(out, roundXY(cx+r*math.Cos(t), cy+r*math.Sin(t)))
	}
	return append(out, out[0])
}

// radialLine returns a gently bending road from the innermost ring outwards
// along bearing (radians, counter-clockwise from east) for 45 km.
func radialLine(bearing float64, rng *rand.Rand) []xy {
	bend, phase := 0.08+rng.Float64()*0.08, rng.Float64()*2*math.Pi
	cx, cy := ringCentre.metres()
	var out []xy
	for r := ringRoads[0].radius; r <= 45_000; r += roadStep {
		t := bearing + bend*math.Sin(r/9000+phase)
		out = append(out, roundXY(cx+r*math.Cos(t), cy+r*math.Sin(t)))
	}
	return out
}

// townPair draws two distinct towns 6-30 km apart (any pair if the draws
// find none).
func townPair(t []xy, rng *rand.Rand) (xy, xy) {
	var a, b xy
	for range 100 {
		a, b = t[rng.IntN(len(t))], t[rng.IntN(len(t))]
		if d := dist(a, b); d >= 6000 && d <= 30000 {
			break
		}
	}
	return a, b
}

// curve returns a quadratic Bezier curve from a to b whose control point is
// pushed sideways by up to a fifth of the distance.
func curve(a, b xy, rng *rand.Rand) []xy {
	ax, ay := a.metres()
	bx, by := b.metres()
	side := (rng.Float64() - 0.5) * 0.4
	cx, cy := (ax+bx)/2-(by-ay)*side, (ay+by)/2+(bx-ax)*side
	n := max(2, int(dist(a, b)/roadStep))
	out := make([]xy, 0, n+1)
	for i := 0; i <= n; i++ {
		t := float64(i) / float64(n)
		u := 1 - t
		out = append(out, roundXY(u*u*ax+2*u*t*cx+t*t*bx, u*u*ay+2*u*t*cy+t*t*by))
	}
	return out
}

// Vertex classes along a road.
const (
	offCity = iota
	onLand
	onRiver
)

// cut splits a road line into features: it drops the parts outside the
// city and makes each river crossing a bridge reaching the land vertex on
// either bank. A closed line is first rotated to start on land so that the
// pieces meeting at its seam join up.
func (w *world) cut(name, class string, line []xy, closed bool) []road {
	cls := make([]int, len(line))
	for i, p := range line {
		switch {
		case w.index.find(p.toLL(), 0) < 0:
			cls[i] = offCity
		case w.river.contains(p, 0):
			cls[i] = onRiver
		default:
			cls[i] = onLand
		}
	}
	if closed {
		line, cls = rotateToLand(line, cls)
	}
	var out []road
	for start := 0; start < len(line); {
		end := start + 1
		for end < len(line) && cls[end] == cls[start] {
			end++
		}
		if piece := pieceOf(line, cls, start, end); piece != nil {
			out = append(out, road{name: name, class: class, bridge: cls[start] == onRiver, line: piece})
		}
		start = end
	}
	for i := range out {
		if out[i].bridge {
			out[i].name = "Cầu " + name
		}
	}
	return out
}

// pieceOf returns the vertices of run [start, end) of equal class, a bridge
// extended by the land vertex on each side (which the land pieces share); nil
// for runs outside the city, bridges without land at both ends, and runs too
// short to draw.
func pieceOf(line []xy, cls []int, start, end int) []xy {
	switch cls[start] {
	case offCity:
		return nil
	case onRiver:
		if start == 0 || cls[start-1] != onLand || end == len(line) || cls[end] != onLand {
			return nil
		}
		start, end = start-1, end+1
	}
	if end-start < 2 {
		return nil
	}
	return line[start:end:end]
}

// rotateToLand rotates a closed line (last vertex = first) to start and end
// at its first land vertex that follows another land vertex.
func rotateToLand(line []xy, cls []int) ([]xy, []int) {
	n := len(line) - 1
	for s := 1; s < n; s++ {
		if cls[s] == onLand && cls[s-1] == onLand {
			l := append(append(append([]xy{}, line[s:n]...), line[:s]...), line[s])
			c := append(append(append([]int{}, cls[s:n]...), cls[:s]...), cls[s])
			return l, c
		}
	}
	return line, cls
}
