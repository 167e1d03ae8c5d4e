package flow

import (
	"cmp"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// city is a generated problem on a Hanoi-like geography: schools and homes scattered around a dense
// centre, arcs to every school within maxDist metres (haversine, integer metres), capacities summing to
// 97% of the applicants and spread evenly over schools, so the centre is short of seats and the edges
// have spare ones; a few homes far out have no school in reach, a few schools have no seats.
type city struct {
	caps  []int32
	tier  []uint8
	start []int    // applicant i's arcs are arcs[start[i]:start[i+1]], nearest first
	arcs  []uint32 // school<<16 | cost
	k     int      // Initial returns the k nearest
}

const (
	maxDist       = 4000      // metres
	earthRadius   = 6371008.8 // metres, as in DESIGN.md
	centreLat     = 21.0285
	centreLon     = 105.8542
	metresPerDeg  = earthRadius * math.Pi / 180
	cityCellMeter = 4500 // grid cell, > maxDist plus the planar approximation's error
)

type point struct{ x, y, lat, lon float64 }

func newPoint(x, y float64) point {
	lat := centreLat + y/metresPerDeg
	lon := centreLon + x/(metresPerDeg*math.Cos(centreLat*math.Pi/180))
	return point{x, y, lat * math.Pi / 180, lon * math.Pi / 180}
}

// haversine returns the great-circle distance in whole metres.
func haversine(a, b point) int32 {
	sl, so := math.Sin((b.lat-a.lat)/2), math.Sin((b.lon-a.lon)/2)
	h := sl*sl + math.Cos(a.lat)*math.Cos(b.lat)*so*so
	return int32(math.Round(2 * earthRadius * math.Asin(math.Sqrt(h))))
}

// scatter draws a point: a Gaussian around the centre with deviation sigma metres, or uniform in a
// square of half-side box metres when sigma is 0.
func scatter(rng *rand.Rand, sigma, box float64) point {
	if sigma == 0 {
		return newPoint((rng.Float64()*2-1)*box, (rng.Float64()*2-1)*box)
	}
	return newPoint(rng.NormFloat64()*sigma, rng.NormFloat64()*sigma)
}

// genCity builds a city of n applicants and m schools from seed; scale stretches distances (use
// sqrt(m/1000) to keep the density of schools of the 1,000-school city). tiers > 1 draws tiers with
// weights 1/2, 1/4, ...
func genCity(seed uint64, n, m int, scale float64, k, tiers int) *city {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	schools := make([]point, m)
	for j := range schools {
		if rng.IntN(2) == 0 {
			schools[j] = scatter(rng, 4000*scale, 0)
		} else {
			schools[j] = scatter(rng, 11000*scale, 0)
		}
	}
	homes := make([]point, n)
	for i := range homes {
		switch r := rng.Float64(); {
		case r < 0.60:
			homes[i] = scatter(rng, 3000*scale, 0)
		case r < 0.98:
			homes[i] = scatter(rng, 11000*scale, 0)
		default:
			homes[i] = scatter(rng, 0, 30000*scale)
		}
	}
	c := &city{caps: capacities(rng, n, m), k: k}
	if tiers > 1 {
		c.tier = make([]uint8, n)
		for i := range c.tier {
			t := 0
			for t < tiers-1 && rng.IntN(2) == 0 {
				t++
			}
			c.tier[i] = uint8(t)
		}
	}
	c.link(homes, schools)
	return c
}

// capacities spreads 97% of n seats over m schools with weights in [0.5, 1.5); 2% get none.
func capacities(rng *rand.Rand, n, m int) []int32 {
	w := make([]float64, m)
	sum := 0.0
	for j := range w {
		if rng.Float64() >= 0.02 {
			w[j] = 0.5 + rng.Float64()
			sum += w[j]
		}
	}
	caps := make([]int32, m)
	seats := int(0.97 * float64(n))
	for j := range caps {
		caps[j] = int32(float64(seats) * w[j] / sum)
	}
	return caps
}

// link finds every school within maxDist of every home, using a grid, in parallel.
func (c *city) link(homes, schools []point) {
	grid := map[[2]int][]int32{}
	cell := func(p point) [2]int {
		return [2]int{int(math.Floor(p.x / cityCellMeter)), int(math.Floor(p.y / cityCellMeter))}
	}
	for j, s := range schools {
		grid[cell(s)] = append(grid[cell(s)], int32(j))
	}
	workers := runtime.GOMAXPROCS(0)
	parts := make([][]uint32, workers)
	counts := make([]int32, len(homes))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lo, hi := w*len(homes)/workers, (w+1)*len(homes)/workers
			var near []uint32
			for i := lo; i < hi; i++ {
				near = nearSchools(near[:0], homes[i], schools, grid, cell(homes[i]))
				parts[w] = append(parts[w], near...)
				counts[i] = int32(len(near))
			}
		}()
	}
	wg.Wait()
	c.start = make([]int, len(homes)+1)
	for i, n := range counts {
		c.start[i+1] = c.start[i] + int(n)
	}
	c.arcs = slices.Concat(parts...)
}

func nearSchools(dst []uint32, h point, schools []point, grid map[[2]int][]int32, at [2]int) []uint32 {
	for dx := -1; dx <= 1; dx++ {
		for dy := -1; dy <= 1; dy++ {
			for _, j := range grid[[2]int{at[0] + dx, at[1] + dy}] {
				if d := haversine(h, schools[j]); d <= maxDist {
					dst = append(dst, uint32(j)<<16|uint32(d))
				}
			}
		}
	}
	slices.SortFunc(dst, func(a, b uint32) int {
		return cmp.Or(cmp.Compare(a&0xffff, b&0xffff), cmp.Compare(a>>16, b>>16))
	})
	return dst
}

func (c *city) applicants() int { return len(c.start) - 1 }

func (c *city) arcsOf(i int, dst []Arc, limit int) []Arc {
	arcs := c.arcs[c.start[i]:c.start[i+1]]
	if limit >= 0 && len(arcs) > limit {
		arcs = arcs[:limit]
	}
	for _, a := range arcs {
		dst = append(dst, Arc{School: int32(a >> 16), Cost: int32(a & 0xffff)})
	}
	return dst
}

func (c *city) problem() *Problem {
	return &Problem{
		Applicants: c.applicants(),
		Capacity:   c.caps,
		Tier:       c.tier,
		Initial:    func(i int, dst []Arc) []Arc { return c.arcsOf(i, dst, c.k) },
		All:        func(i int, dst []Arc) []Arc { return c.arcsOf(i, dst, -1) },
	}
}
