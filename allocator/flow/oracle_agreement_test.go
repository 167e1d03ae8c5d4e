package flow

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// agree solves in and requires the certificate to hold and the objective to equal want.
func agree(t *testing.T, seed uint64, in *instance, want objective) {
	t.Helper()
	sol, err := Solve(context.Background(), in.problem(), nil)
	require.NoError(t, err, "seed %d", seed)
	require.True(t, sol.Certificate.Verified, "seed %d", seed)
	got := objective{sol.Assigned, sol.Cost}
	require.Equal(t, want, got, "seed %d: oracle vs Solve", seed)
}

func TestSolveAgreesWithBruteForce(t *testing.T) {
	const seedBase, perFamily = 1000, 600
	tests := []struct {
		name string
		f    family
	}{
		{"one tier with a seat shortage and random initial arcs",
			family{minN: 3, maxN: 7, minM: 1, maxM: 3, maxCap: 2, arcProb: 0.7, maxCost: 30, tiers: 1, initial: "random"}},
		{"applicants without arcs and schools without seats",
			family{minN: 1, maxN: 7, minM: 1, maxM: 3, maxCap: 3, arcProb: 0.6, maxCost: 30, tiers: 1, initial: "nearest", noArcApplicn: 0.3}},
		{"equal costs everywhere make ties",
			family{minN: 2, maxN: 7, minM: 2, maxM: 3, maxCap: 2, arcProb: 0.8, maxCost: 1, tiers: 2, initial: "random"}},
		{"three tiers compete for few seats",
			family{minN: 4, maxN: 7, minM: 1, maxM: 3, maxCap: 2, arcProb: 0.8, maxCost: 20, tiers: 3, initial: "nearest"}},
		{"no initial arcs so pricing must find every seat",
			family{minN: 1, maxN: 7, minM: 1, maxM: 3, maxCap: 3, arcProb: 0.7, maxCost: 20000, tiers: 2, initial: "none"}},
	}
	t.Logf("seeds %d..%d per family", seedBase, seedBase+perFamily-1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k := uint64(0); k < perFamily; k++ {
				seed := seedBase + k
				in := tt.f.random(rand.New(rand.NewPCG(seed, 1)))
				agree(t, seed, in, bruteForce(in))
			}
		})
	}
}

func TestSolveAgreesWithShortestPathOracle(t *testing.T) {
	const seedBase, perFamily = 5000, 120
	tests := []struct {
		name string
		f    family
	}{
		{"one tier, thirty applicants, six schools",
			family{minN: 10, maxN: 30, minM: 2, maxM: 6, maxCap: 6, arcProb: 0.5, maxCost: 1000, tiers: 1, initial: "nearest", noArcApplicn: 0.05}},
		{"two tiers with many equal costs",
			family{minN: 10, maxN: 30, minM: 2, maxM: 6, maxCap: 5, arcProb: 0.6, maxCost: 3, tiers: 2, initial: "random"}},
		{"three tiers and zero-capacity schools",
			family{minN: 10, maxN: 30, minM: 3, maxM: 6, maxCap: 4, arcProb: 0.5, maxCost: 1000, tiers: 3, initial: "none"}},
		{"ample seats so nobody is left out",
			family{minN: 10, maxN: 30, minM: 3, maxM: 6, maxCap: 12, arcProb: 0.4, maxCost: 1000, tiers: 2, initial: "nearest"}},
	}
	t.Logf("seeds %d..%d per family", seedBase, seedBase+perFamily-1)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k := uint64(0); k < perFamily; k++ {
				seed := seedBase + k
				in := tt.f.random(rand.New(rand.NewPCG(seed, 2)))
				agree(t, seed, in, sspOracle(in))
			}
		})
	}
}
