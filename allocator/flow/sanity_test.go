package flow

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOraclesAgree(t *testing.T) {
	f := family{minN: 1, maxN: 7, minM: 1, maxM: 3, maxCap: 2, arcProb: 0.7, maxCost: 5, tiers: 3, initial: "random", noArcApplicn: 0.1}
	nontrivial := 0
	for seed := uint64(0); seed < 2000; seed++ {
		in := f.random(rand.New(rand.NewPCG(seed, 9)))
		b := bruteForce(in)
		require.Equal(t, b, sspOracle(in), "seed %d", seed)
		if b.assigned[0] > 0 {
			nontrivial++
		}
	}
	t.Log(nontrivial)
}
