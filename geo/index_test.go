package geo

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/require"
)

// bruteWithin is the oracle: every point by (distance, position).
func bruteWithin(pts []orb.Point, p orb.Point, maxM int) []Candidate {
	var out []Candidate
	for i, q := range pts {
		if d := DistanceHaversine(p, q); d <= maxM {
			out = append(out, Candidate{Index: int32(i), DistM: int32(d)})
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int { return cmp.Or(cmp.Compare(a.DistM, b.DistM), cmp.Compare(a.Index, b.Index)) })
	return out
}

func gridPoints(rng *rand.Rand, n int) []orb.Point {
	pts := make([]orb.Point, n)
	for i := range pts {
		// a coarse grid makes equal distances, and duplicates, common
		pts[i] = orb.Point{105.7 + float64(rng.IntN(40))*0.005, 20.9 + float64(rng.IntN(40))*0.005}
	}
	return pts
}

// denseCluster returns n points on a 1 m grid within about 60 m of
// (105.8, 21.0), a corner of gridPoints' range.
func denseCluster(rng *rand.Rand, n int) []orb.Point {
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{105.8 + float64(rng.IntN(60))*0.00001, 21.0 + float64(rng.IntN(60))*0.00001}
	}
	return pts
}

func TestPointIndexAgreesWithBruteForce(t *testing.T) {
	const seed = 42
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	for iter := 0; iter < 300; iter++ {
		pts := gridPoints(rng, 1+rng.IntN(300))
		if iter%3 == 0 { // a dense cluster: nearest searches start below 100 m
			pts = append(pts, denseCluster(rng, 2000)...)
		}
		ix := NewPointIndex(pts)
		for q := 0; q < 20; q++ {
			p := gridPoints(rng, 1)[0]
			if iter%3 == 0 && q%2 == 0 {
				p = denseCluster(rng, 1)[0]
				p[0] += (rng.Float64() - 0.5) * 0.002
			}
			maxM := rng.IntN(15000)
			want := bruteWithin(pts, p, maxM)
			require.Equal(t, want, ix.Within(p, maxM, nil), "within")
			k := rng.IntN(12)
			wantK := want[:min(k, len(want))]
			got := ix.Nearest(p, k, maxM, nil)
			if len(wantK) == 0 {
				require.Empty(t, got)
			} else {
				require.Equal(t, wantK, got, "nearest k=%d", k)
			}
		}
	}
}

func TestAreaIndexAgreesWithBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	var areas []orb.MultiPolygon
	for i := 0; i < 40; i++ {
		c := orb.Point{105 + rng.Float64(), 21 + rng.Float64()}
		w, h := rng.Float64()*0.3, rng.Float64()*0.3
		sq := orb.Polygon{orb.Ring{{c[0], c[1]}, {c[0] + w, c[1]}, {c[0] + w, c[1] + h}, {c[0], c[1] + h}, {c[0], c[1]}}}
		areas = append(areas, orb.MultiPolygon{sq})
	}
	ix := NewAreaIndex(areas)
	for q := 0; q < 5000; q++ {
		p := orb.Point{105 + rng.Float64()*1.3, 21 + rng.Float64()*1.3}
		var want []int32
		for i, a := range areas {
			if planar.MultiPolygonContains(a, p) {
				want = append(want, int32(i))
			}
		}
		got := ix.Containing(p, nil)
		require.Equal(t, len(want), len(got))
		if len(want) > 0 {
			require.Equal(t, want, got)
			require.Equal(t, int(want[0]), ix.First(p))
		} else {
			require.Equal(t, -1, ix.First(p))
		}
	}
}
