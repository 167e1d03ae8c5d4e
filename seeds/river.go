package seeds

import (
	"math"
	"math/rand/v2"
)

// River geometry, in metres. The river runs in a frame with origin riverO
// (2 km east, 1 km north of the centre), axis d pointing south-south-east
// and normal n pointing east-north-east (positive v is the north/east bank).
// Its centreline is v = bend(u) + meander(u): from the west-north-west it
// turns at the centre towards the south-south-east, like the Red River.
const (
	riverOX, riverOY = 2000.0, 1000.0
	riverStep        = 200.0 // metres between samples along u
	riverMargin      = 20.0  // metres kept clear of the banks
)

var (
	riverD = [2]float64{0.5, -math.Sqrt(3) / 2}
	riverN = [2]float64{math.Sqrt(3) / 2, 0.5}
)

// river is the sampled river band: at u = u0 + k*step its centre line is at
// v = centre[k] and the band spans v = centre[k] +- half[k]. Between samples
// both are linear, exactly as in the output polygon.
type river struct {
	u0            float64
	centre, half  []float64
	meanderPhases [3]float64
}

// newRiver samples the river over the span [uMin, uMax] along its axis.
func newRiver(uMin, uMax float64, rng *rand.Rand) *river {
	r := &river{u0: math.Floor(uMin/riverStep) * riverStep}
	for i := range r.meanderPhases {
		r.meanderPhases[i] = rng.Float64() * 2 * math.Pi
	}
	base, _ := r.shape(0)
	n := int(math.Ceil((uMax-r.u0)/riverStep)) + 2
	for k := range n {
		u := r.u0 + float64(k)*riverStep
		v, slope := r.shape(u)
		r.centre = append(r.centre, v-base)
		r.half = append(r.half, r.halfWidth(u)*math.Sqrt(1+slope*slope))
	}
	return r
}

// clip drops the samples beyond the city at both ends, keeping one sample
// whose whole cross-section (both banks and the centre) lies outside, so the
// river still cuts the city in two.
func (r *river) clip(inCity func(xy) bool) {
	first, last := -1, -1
	for k := range r.centre {
		if !r.crossSectionOutside(k, inCity) {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	if first < 0 {
		return
	}
	lo, hi := max(0, first-1), min(len(r.centre)-1, last+1)
	r.u0 += float64(lo) * riverStep
	r.centre, r.half = r.centre[lo:hi+1], r.half[lo:hi+1]
}

// crossSectionOutside reports whether both banks and the centre of sample k
// lie outside the city.
func (r *river) crossSectionOutside(k int, inCity func(xy) bool) bool {
	u := r.u0 + float64(k)*riverStep
	for _, v := range []float64{r.centre[k] - r.half[k], r.centre[k], r.centre[k] + r.half[k]} {
		if inCity(at(u, v)) {
			return false
		}
	}
	return true
}

// shape returns the centreline offset v(u) and its slope dv/du.
func (r *river) shape(u float64) (v, slope float64) {
	const a, b, s = 0.35, 0.65, 8000.0
	const a1, l1, a2, l2 = 900.0, 13_000.0, 500.0, 7_000.0
	root := math.Sqrt(u*u + s*s)
	w1, w2 := 2*math.Pi/l1, 2*math.Pi/l2
	v = a*u - b*(root-s) + a1*math.Sin(w1*u+r.meanderPhases[0]) + a2*math.Sin(w2*u+r.meanderPhases[1])
	slope = a - b*u/root + a1*w1*math.Cos(w1*u+r.meanderPhases[0]) + a2*w2*math.Cos(w2*u+r.meanderPhases[1])
	return v, slope
}

// halfWidth returns half the river's width across its flow at u, in metres
// (230-470, so the river is 460-940 m wide).
func (r *river) halfWidth(u float64) float64 {
	return 350 + 120*math.Sin(2*math.Pi*u/9000+r.meanderPhases[2])
}

// frame returns p's coordinates along (u) and across (v) the river.
func frame(p xy) (u, v float64) {
	x, y := p.metres()
	x, y = x-riverOX, y-riverOY
	return x*riverD[0] + y*riverD[1], x*riverN[0] + y*riverN[1]
}

// at returns the point with frame coordinates (u, v).
func at(u, v float64) xy {
	return roundXY(riverOX+u*riverD[0]+v*riverN[0], riverOY+u*riverD[1]+v*riverN[1])
}

// side returns how far p lies from the band's centre line across the river:
// positive on the north/east bank. ok is false outside the sampled span.
func (r *river) side(p xy) (off, half float64, ok bool) {
	u, v := frame(p)
	t := (u - r.u0) / riverStep
	k := int(math.Floor(t))
	if k < 0 || k+1 >= len(r.centre) {
		return 0, 0, false
	}
	f := t - float64(k)
	c := r.centre[k] + f*(r.centre[k+1]-r.centre[k])
	h := r.half[k] + f*(r.half[k+1]-r.half[k])
	return v - c, h, true
}

// contains reports whether p lies in the river or within margin metres of it.
func (r *river) contains(p xy, margin float64) bool {
	off, h, ok := r.side(p)
	return ok && math.Abs(off) < h+margin
}

// polygon returns the river band as a closed counter-clockwise ring.
func (r *river) polygon() []xy {
	n := len(r.centre)
	out := make([]xy, 0, 2*n+1)
	for k := 0; k < n; k++ {
		out = append(out, at(r.u0+float64(k)*riverStep, r.centre[k]-r.half[k]))
	}
	for k := n - 1; k >= 0; k-- {
		out = append(out, at(r.u0+float64(k)*riverStep, r.centre[k]+r.half[k]))
	}
	return append(out, out[0])
}

// centreline returns the river's centre line, upstream first.
func (r *river) centreline() []xy {
	out := make([]xy, len(r.centre))
	for k := range r.centre {
		out[k] = at(r.u0+float64(k)*riverStep, r.centre[k])
	}
	return out
}

// span returns the range of u over pts, widened by pad metres.
func span(pts []xy, pad float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, p := range pts {
		u, _ := frame(p)
		lo, hi = min(lo, u), max(hi, u)
	}
	return lo - pad, hi + pad
}
