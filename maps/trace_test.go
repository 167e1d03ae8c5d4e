package maps

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// rasterOf reads a picture of labels, north row first: '.' is no label,
// a letter is a school.
func rasterOf(rows ...string) (*grid, []int32) {
	g := &grid{dx: 2, dy: 2, nx: len(rows[0]), ny: len(rows), cellM: 1}
	labels := make([]int32, g.nx*g.ny)
	for r, row := range rows {
		j := g.ny - 1 - r
		for i, ch := range row {
			labels[j*g.nx+i] = -1
			if ch != '.' {
				labels[j*g.nx+i] = ch - 'a'
			}
		}
	}
	return g, labels
}

func traced(t *testing.T, rows ...string) (*tracer, [][][]pt) {
	t.Helper()
	g, labels := rasterOf(rows...)
	tr := components(g, labels)
	rings, err := tr.rings()
	require.NoError(t, err)
	return tr, rings
}

func TestTracing(t *testing.T) {
	tests := []struct {
		name  string
		rows  []string
		comps int
		rings []int // rings per component
		// twice the area per component in half-cells² (a cell is 8; each cut
		// corner takes 1)
		area2 []int64
	}{
		{"a single cell becomes a diamond through its edge midpoints", []string{"a"}, 1, []int{1}, []int64{4}},
		{"a straight boundary between two schools is shared without cuts", []string{"ab", "ab"}, 2, []int{1, 1}, []int64{14, 14}},
		{"an island makes a hole in the school around it", []string{"aaa", "aba", "aaa"}, 2, []int{2, 1}, []int64{64, 4}},
		{"cells touching only at a corner are separate parts", []string{"a.", ".a"}, 2, []int{1, 1}, []int64{5, 5}},
		{"a ring that touches itself at a corner becomes an outer ring and a hole", []string{"aa.", "a.a", "aaa"}, 1, []int{2}, []int64{54}},
		{"an L shape keeps its inner corner where three areas meet", []string{"a.", "aa"}, 1, []int{1}, []int64{20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, rings := traced(t, tc.rows...)
			require.Len(t, tr.comps, tc.comps)
			for c := range tr.comps {
				require.Len(t, rings[c], tc.rings[c], "component %d", c)
				require.Positive(t, ringArea2(rings[c][0]), "the outer ring is counter-clockwise")
				net := ringArea2(rings[c][0])
				for _, h := range rings[c][1:] {
					require.Negative(t, ringArea2(h), "holes are clockwise")
					net += ringArea2(h)
				}
				require.Equal(t, tc.area2[c], net, "component %d", c)
				for _, r := range rings[c] {
					require.Equal(t, r[0], r[len(r)-1], "rings are closed")
					seen := map[pt]bool{}
					for _, p := range r[:len(r)-1] {
						require.False(t, seen[p], "a ring visits each vertex once: %v", r)
						seen[p] = true
					}
				}
			}
		})
	}
}

func TestSharedBoundariesAreIdenticalOnBothSides(t *testing.T) {
	// A staircase between a and b: both polygons make the same cuts.
	rows := []string{"aaab", "aabb", "abbb", "bbbb"}
	_, rings := traced(t, rows...)
	edges := func(r []pt) map[[2]pt]bool {
		m := map[[2]pt]bool{}
		for k := 0; k+1 < len(r); k++ {
			m[[2]pt{r[k], r[k+1]}] = true
		}
		return m
	}
	a, b := edges(rings[0][0]), edges(rings[1][0])
	shared, diagonal := 0, 0
	for e := range a {
		if !b[[2]pt{e[1], e[0]}] {
			continue
		}
		shared++
		if e[0].a != e[1].a && e[0].b != e[1].b {
			diagonal++
			require.Equal(t, abs(e[1].a-e[0].a), abs(e[1].b-e[0].b), "at 45 degrees")
		}
	}
	require.Equal(t, 3, shared, "the staircase becomes one diagonal between two short edges, shared in reverse")
	require.Equal(t, 1, diagonal)
	require.Equal(t, int64(8*16), ringArea2(rings[0][0])+ringArea2(rings[1][0])+4, "the two fill the square but for its four cut corners")
}

func TestDropCollinearKeepsCornersOnly(t *testing.T) {
	ring := []pt{{0, 0}, {2, 0}, {4, 0}, {4, 2}, {4, 4}, {4, 4}, {0, 4}, {0, 2}}
	require.Equal(t, []pt{{0, 0}, {4, 0}, {4, 4}, {0, 4}}, dropCollinear(ring))
}

func abs(v int32) int32 {
	if v < 0 {
		return -v
	}
	return v
}
