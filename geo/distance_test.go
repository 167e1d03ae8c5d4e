package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
)

func TestDistanceHaversineMatchesIndependentlyComputedValues(t *testing.T) {
	// Expected values computed with Python's math module, R = 6371008.8.
	cases := []struct {
		name string
		a, b orb.Point
		want int
	}{
		{"Hanoi to Ho Chi Minh City", orb.Point{105.8342, 21.0278}, orb.Point{106.6297, 10.8231}, 1137886},
		{"0.01 degree of longitude at 21 N", orb.Point{105.85, 21.0}, orb.Point{105.86, 21.0}, 1038},
		{"0.01 degree of latitude", orb.Point{105.85, 21.0}, orb.Point{105.85, 21.01}, 1112},
		{"half the equator", orb.Point{0, 0}, orb.Point{180, 0}, 20015114},
		{"London to Paris", orb.Point{-0.1276, 51.5072}, orb.Point{2.3522, 48.8566}, 343530},
		{"the same point", orb.Point{105.8, 21.0}, orb.Point{105.8, 21.0}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, DistanceHaversine(c.a, c.b))
			require.Equal(t, c.want, DistanceHaversine(c.b, c.a), "symmetric")
		})
	}
}

func TestBoundAroundContainsEveryPointWithinTheRadius(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 20000; i++ {
		p := orb.Point{100 + rng.Float64()*10, -80 + rng.Float64()*160}
		r := 1 + rng.IntN(20000)
		q := orb.Point{p[0] + (rng.Float64()-0.5)*0.6, p[1] + (rng.Float64()-0.5)*0.4}
		if DistanceHaversine(p, q) <= r {
			require.True(t, BoundAround(p, r).Contains(q), "p=%v r=%d q=%v", p, r, q)
		}
	}
}
