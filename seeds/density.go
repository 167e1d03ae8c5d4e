package seeds

import (
	"fmt"
	"math/rand/v2"
)

// cluster is one Gaussian component of the population model: a centre in
// metres, a standard deviation in metres and weights (parts per thousand)
// for homes and for schools.
type cluster struct {
	x, y          int64
	sigma         float64
	homes, school int
}

// clusters is the settlement pattern. The urban core lies on the south/west
// bank; a smaller core and its suburbs on the north/east bank; satellite
// towns around. Schools follow the same places, but spread wider and with
// less weight in the core, so the core is short of seats and the periphery
// has spare ones.
var clusters = []cluster{
	// Urban core, south/west bank.
	{-1500, 0, 2000, 150, 140},
	{-3500, -3500, 2500, 150, 150},
	{-7000, 1500, 2500, 90, 88},
	{-1000, -7000, 2200, 80, 78},
	{-9500, -7500, 2500, 70, 68},
	// North/east bank.
	{4500, 2500, 2000, 50, 45},
	{-1000, 11000, 2500, 35, 35},
	{9000, -1500, 2200, 30, 30},
	// Satellite towns.
	{-29000, 6000, 1800, 25, 25},
	{-24000, -4000, 2000, 20, 20},
	{-21000, -17000, 1500, 15, 17},
	{4000, -20000, 1800, 20, 20},
	{-2000, 23000, 1800, 20, 20},
	{-13000, 16000, 1800, 15, 17},
	{-14000, -12000, 1500, 15, 17},
	{-15000, 4000, 1500, 10, 12},
	{-8000, -24000, 1500, 12, 14},
}

// Weights (parts per thousand) of the parts of the model that are not
// clusters: uniform rural background, and villages in the remote areas.
const (
	backgroundHomes, backgroundSchools = 183, 265
	villageHomes                       = 4 // per remote area; schools: none
	villageSigma                       = 1000.0
	remoteRadius                       = 7000 // metres around a remote area's centre without schools
)

// remoteDirections point from the centre to the outline corners that hold a
// remote area: hills and floodplain far from any school.
var remoteDirections = [][2]int64{{-4, -5}, {5, 4}, {5, -3}}

// towns returns the centres of the clusters.
func towns() []xy {
	out := make([]xy, len(clusters))
	for i, c := range clusters {
		out[i] = xy{c.x, c.y}
	}
	return out
}

// remoteAreas returns the centres of the remote areas: the outline vertex
// farthest in each remote direction.
func remoteAreas(outline []xy) []xy {
	out := make([]xy, len(remoteDirections))
	for i, d := range remoteDirections {
		best := outline[0]
		for _, p := range outline {
			if p.X*d[0]+p.Y*d[1] > best.X*d[0]+best.Y*d[1] {
				best = p
			}
		}
		out[i] = best
	}
	return out
}

// component is one part of a sampler: a Gaussian (sigma > 0) or, with
// sigma 0, the uniform background over the sampler's box.
type component struct {
	centre xy
	sigma  float64
	weight int
}

// sampler draws positions from a mixture and keeps those accept allows.
type sampler struct {
	parts    []component
	total    int
	min, max xy // box of the uniform background
	accept   func(xy) bool
}

// newSampler returns a sampler over parts with the background box [lo, hi].
func newSampler(parts []component, lo, hi xy, accept func(xy) bool) *sampler {
	s := &sampler{parts: parts, min: lo, max: hi, accept: accept}
	for _, p := range parts {
		s.total += p.weight
	}
	return s
}

// maxDraws bounds the rejection loop; with the shipped model fewer than one
// draw in two is rejected.
const maxDraws = 10_000

// draw returns an accepted position.
func (s *sampler) draw(rng *rand.Rand) (xy, error) {
	for range maxDraws {
		if p := s.propose(rng); s.accept(p) {
			return p, nil
		}
	}
	return xy{}, fmt.Errorf("seeds: no acceptable position in %d draws", maxDraws)
}

// propose draws one position from the mixture.
func (s *sampler) propose(rng *rand.Rand) xy {
	r := rng.IntN(s.total)
	for _, c := range s.parts {
		if r >= c.weight {
			r -= c.weight
			continue
		}
		if c.sigma == 0 {
			break
		}
		x, y := c.centre.metres()
		return roundXY(x+c.sigma*rng.NormFloat64(), y+c.sigma*rng.NormFloat64())
	}
	return xy{s.min.X + rng.Int64N(s.max.X-s.min.X+1), s.min.Y + rng.Int64N(s.max.Y-s.min.Y+1)}
}

// homeParts returns the mixture homes are drawn from.
func homeParts(remote []xy) []component {
	var parts []component
	for _, c := range clusters {
		parts = append(parts, component{xy{c.x, c.y}, c.sigma, c.homes})
	}
	for _, r := range remote {
		parts = append(parts, component{villageCentre(r), villageSigma, villageHomes})
	}
	return append(parts, component{weight: backgroundHomes})
}

// villageCentre returns the centre of the village of a remote area: 3 km
// from the outline towards the city centre.
func villageCentre(r xy) xy {
	x, y := r.metres()
	d := max(1, dist(r, xy{}))
	return roundXY(x-3000*x/d, y-3000*y/d)
}

// schoolParts returns the mixture schools are drawn from: the clusters
// spread 1.35 times wider than homes.
func schoolParts() []component {
	var parts []component
	for _, c := range clusters {
		parts = append(parts, component{xy{c.x, c.y}, 1.35 * c.sigma, c.school})
	}
	return append(parts, component{weight: backgroundSchools})
}
