package maps

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/require"
)

// randomCity places homes at random (a fifth of them sharing a building
// with an earlier home, some unplaced) and gives them to random schools.
func randomCity(seed uint64, homes, schools int, size float64) ([]fixtureSchool, []fixtureHome) {
	rng := rand.New(rand.NewPCG(seed, 1))
	var ss []fixtureSchool
	for i := range schools {
		ss = append(ss, fixtureSchool{id: string(rune('A'+i%26)) + string(rune('a'+i/26)), x: rng.Float64() * size, y: rng.Float64() * size, seats: 100})
	}
	var hs []fixtureHome
	for range homes {
		h := fixtureHome{x: rng.Float64() * size, y: rng.Float64() * size, school: int32(rng.IntN(schools))}
		if len(hs) > 0 && rng.IntN(5) == 0 {
			prev := hs[rng.IntN(len(hs))]
			h.x, h.y = prev.x, prev.y
		}
		if rng.IntN(10) == 0 {
			h.school = -1
		}
		hs = append(hs, h)
	}
	return ss, hs
}

func TestEveryCellIsLabelledAsTheAddressLookupAnswersAtItsCentre(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		schools, homes := randomCity(seed, 400, 12, 3000)
		r := fixtureResult(schools, homes, 130)
		boundary := []orb.Polygon{square(0, 0, 3000, 3000)}
		g, err := newGrid(multiBound(boundary), 40)
		require.NoError(t, err)
		in := g.mask(boundary)
		lr, err := deriveLevel(context.Background(), r, geo.Grade1, &g, in, nil)
		require.NoError(t, err)
		loc := round.NewLocator(r, geo.Grade1)
		labelled, uncovered := 0, 0
		for j := range g.ny {
			for i := range g.nx {
				k := j*g.nx + i
				want := int32(-1)
				if in[k] {
					if l, ok := loc.Locate(g.centre(i, j)); ok {
						want = l.School
						labelled++
					} else {
						uncovered++
					}
				}
				require.Equal(t, want, lr.labels[k], "seed %d, cell (%d, %d) at %v", seed, i, j, g.centre(i, j))
			}
		}
		require.Greater(t, labelled, 1000, "seed %d", seed)
		require.Greater(t, uncovered, 0, "seed %d: some cells are beyond the cap of every home", seed)
	}
}

func TestThePolygonsTileTheLabelledCellsWithoutOverlap(t *testing.T) {
	schools, homes := randomCity(7, 500, 9, 2500)
	r := fixtureResult(schools, homes, 500)
	boundary := orb.MultiPolygon{square(0, 0, 2500, 2500)}
	set, err := Derive(context.Background(), r, nil, Options{CellM: 50, Boundary: boundary})
	require.NoError(t, err)
	g, err := newGrid(boundary.Bound(), 50)
	require.NoError(t, err)
	in := g.mask(boundary)
	lr, err := deriveLevel(context.Background(), r, geo.Grade1, &g, in, nil)
	require.NoError(t, err)
	byIndex := map[int32]*Catchment{}
	for i := range set.Catchments {
		for si := range r.Schools {
			if r.Schools[si].ID == set.Catchments[i].SchoolID {
				byIndex[int32(si)] = &set.Catchments[i]
			}
		}
	}
	containing := func(p orb.Point) []string {
		var ids []string
		for _, c := range set.Catchments {
			if planar.MultiPolygonContains(c.Shape, p) {
				ids = append(ids, c.SchoolID)
			}
		}
		return ids
	}
	for j := range g.ny {
		for i := range g.nx {
			label := lr.labels[j*g.nx+i]
			got := containing(g.centre(i, j))
			if label < 0 {
				require.Empty(t, got, "cell (%d, %d) is in no catchment", i, j)
				continue
			}
			require.Equal(t, []string{byIndex[label].SchoolID}, got, "cell (%d, %d) lies in its own school's catchment only", i, j)
		}
	}
	rng := rand.New(rand.NewPCG(9, 9))
	for range 20000 {
		p := at(rng.Float64()*2500, rng.Float64()*2500)
		require.LessOrEqual(t, len(containing(p)), 1, "no point lies in two catchments: %v", p)
	}
	// The parts of each catchment are its components: as many as
	// 4-connected groups of its cells.
	for si, c := range byIndex {
		n := 0
		for _, comp := range lr.tr.comps {
			if comp.label == si {
				n++
			}
		}
		require.Equal(t, n, c.Parts, c.SchoolID)
	}
}

func TestTheLabellerAgreesWithTheLocatorOnRealisticDensities(t *testing.T) {
	// A dense block (homes 3 m apart, many duplicates) beside a sparse
	// one: the planar prefilter must still find every tie.
	var homes []fixtureHome
	rng := rand.New(rand.NewPCG(11, 11))
	for range 3000 {
		homes = append(homes, fixtureHome{x: 400 + rng.Float64()*150, y: 400 + rng.Float64()*150, school: int32(rng.IntN(5))})
	}
	for range 200 {
		homes = append(homes, fixtureHome{x: rng.Float64() * 5000, y: rng.Float64() * 5000, school: int32(rng.IntN(5))})
	}
	schools := []fixtureSchool{{id: "S1", seats: 9999}, {id: "S2", seats: 9999}, {id: "S3", seats: 9999}, {id: "S4", seats: 9999}, {id: "S5", seats: 9999}}
	r := fixtureResult(schools, homes, 1500)
	lb := newLabeller(r, geo.Grade1, orb.Bound{Min: at(0, 0), Max: at(5000, 5000)})
	loc := round.NewLocator(r, geo.Grade1)
	var buf []int32
	for range 4000 {
		p := at(rng.Float64()*5200-100, rng.Float64()*5200-100)
		if rng.IntN(2) == 0 {
			p = at(380+rng.Float64()*190, 380+rng.Float64()*190)
		}
		want := int32(-1)
		if l, ok := loc.Locate(p); ok {
			want = l.School
		}
		require.Equal(t, want, lb.label(p, &buf), "at %v", p)
	}
	require.Equal(t, allocator.Assigned, r.Placements[0].Status)
}
