package seeds

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNearestMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	pts := make([]xy, 700)
	ids := make([]int32, len(pts))
	for i := range pts {
		pts[i] = xy{rng.Int64N(60_000) - 30_000, rng.Int64N(55_000) - 27_500}
		ids[i] = int32(1000 + i)
	}
	pts[5] = pts[6] // a tie, broken by index
	ix := newNearIndex(pts, ids, 2000)
	for range 2000 {
		q := xy{rng.Int64N(80_000) - 40_000, rng.Int64N(75_000) - 37_500}
		k := 1 + rng.IntN(8)
		assert.Equal(t, bruteNearest(pts, ids, q, k), ix.nearest(q, k, nil), "query %v k=%d", q, k)
	}
}

// bruteNearest is the oracle for nearIndex.nearest.
func bruteNearest(pts []xy, ids []int32, q xy, k int) []int32 {
	order := make([]int, len(pts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(sign(dist2(q, pts[a]) - dist2(q, pts[b]))) })
	var out []int32
	for _, i := range order[:min(k, len(order))] {
		out = append(out, ids[i])
	}
	return out
}

func TestApplicantIDsNeverCollide(t *testing.T) {
	keys := idKeys(2026)
	seen := make(map[uint64]bool, 1<<18)
	for n := range uint64(1 << 18) {
		v := permuteID(n, keys)
		require.Less(t, v, uint64(1)<<48)
		require.False(t, seen[v], "collision at %d", n)
		seen[v] = true
	}
	assert.Equal(t, "A00000000002a", string(appendApplicantID(nil, 42)))
	assert.NotEqual(t, permuteID(7, idKeys(1)), permuteID(7, idKeys(2)), "ids depend on the seed")
}

func TestLevelCountsFollowTheHanoiMix(t *testing.T) {
	c := levelCounts(400_000)
	sum := 0
	for _, n := range c {
		sum += n
	}
	assert.Equal(t, 400_000, sum)
	pre := c[geo.Preschool3] + c[geo.Preschool4] + c[geo.Preschool5]
	assert.InDelta(t, 95.0/411*400_000, pre, 1)
	assert.InDelta(t, 155.0/411*400_000, c[geo.Grade1], 1)
	assert.InDelta(t, 161.0/411*400_000, c[geo.Grade6], 1)
	for n := 1; n < 50; n++ {
		c := levelCounts(n)
		assert.Equal(t, n, c[0]+c[1]+c[2]+c[3]+c[4])
	}
}

func TestDivRoundRoundsHalfAwayFromZero(t *testing.T) {
	for _, tt := range []struct{ a, b, want int64 }{
		{5, 2, 3}, {-5, 2, -3}, {4, 2, 2}, {7, 3, 2}, {-7, 3, -2}, {0, 9, 0}, {8, 3, 3}, {-8, 3, -3},
	} {
		assert.Equal(t, tt.want, divRound(tt.a, tt.b), "%d/%d", tt.a, tt.b)
	}
}

func TestAppendStringEscapesJSON(t *testing.T) {
	assert.Equal(t, `"Trường \"A\"\\\u0001"`, string(appendString(nil, "Trường \"A\"\\\x01")))
}
