package maps

import (
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func derive(t *testing.T, schools []fixtureSchool, homes []fixtureHome, capM int, opt Options) *Set {
	t.Helper()
	set, err := Derive(context.Background(), fixtureResult(schools, homes, capM), nil, opt)
	require.NoError(t, err)
	return set
}

// twoHalves: A admits the homes west of x = 1000 m, B those east of it, on
// a 2 km square.
func twoHalves() ([]fixtureSchool, []fixtureHome) {
	schools := []fixtureSchool{{id: "A", ward: "W1", x: 500, y: 1000, seats: 200}, {id: "B", ward: "W2", x: 1500, y: 1000, seats: 250}}
	return schools, gridHomes(2000, 100, func(x, _ float64) int32 {
		if x < 1000 {
			return 0
		}
		return 1
	})
}

func TestTwoSchoolsSplittingASquareGetTheTwoHalves(t *testing.T) {
	schools, homes := twoHalves()
	set := derive(t, schools, homes, 4000, Options{CellM: 25, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}})
	require.Len(t, set.Catchments, 2)
	a, b := catchmentOf(t, set, "A"), catchmentOf(t, set, "B")
	for _, c := range []*Catchment{a, b} {
		require.InDelta(t, 2.0, c.AreaKm2, 0.06, "%s: half of 4 km², within a column of cells", c.SchoolID)
		require.Equal(t, 1, c.Parts)
		require.True(t, c.ContainsSchool)
		require.Equal(t, 1.0, c.MainPartShare)
		require.Len(t, c.Shape, 1)
		require.Len(t, c.Shape[0], 1, "no holes")
	}
	require.InDelta(t, 4.0, a.AreaKm2+b.AreaKm2, 0.1, "together they cover the square, its outline followed within a cell")
	require.True(t, contains(a, 300, 1000) && !contains(b, 300, 1000))
	require.True(t, contains(b, 1700, 1000) && !contains(a, 1700, 1000))
	require.True(t, contains(a, 960, 30) && contains(b, 1040, 1970), "the split follows x = 1000 m within a cell")
	require.Equal(t, 200, a.Seats)
	require.Equal(t, 200, a.Assigned, "200 homes west of the line")
	require.Equal(t, 1.0, a.Fill)
	require.Equal(t, 0.8, b.Fill, "200 of 250 seats")
	require.NotNil(t, a.Cutoff)
	require.Equal(t, "permanent", a.Cutoff.Residence)
	require.NotEqual(t, a.Color, b.Color, "neighbours get different colours")
	require.Empty(t, set.Problems)
	require.Equal(t, ClipBoundary, set.Clip)
}

func TestASchoolWhoseHomesFormTwoClustersIsReportedNotContiguous(t *testing.T) {
	schools := []fixtureSchool{{id: "A", x: 200, y: 1000, seats: 400}, {id: "B", x: 1000, y: 1000, seats: 400}}
	homes := gridHomes(2000, 100, func(x, _ float64) int32 {
		if x < 400 || x > 1600 {
			return 0
		}
		return 1
	})
	set := derive(t, schools, homes, 4000, Options{CellM: 25, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}})
	a, b := catchmentOf(t, set, "A"), catchmentOf(t, set, "B")
	require.Equal(t, 2, a.Parts)
	require.InDelta(t, 1.6, a.AreaKm2, 0.06, "two strips of 0.8 km²")
	require.InDelta(t, 0.5, a.MainPartShare, 0.02)
	require.Equal(t, 1, b.Parts)
	require.InDelta(t, 2.4, b.AreaKm2, 0.06)
	require.True(t, contains(a, 100, 1000) && contains(a, 1900, 1000) && !contains(a, 1000, 1000))
	require.Equal(t, []string{ProblemNotContiguous}, problemKinds(set, "A"))
	require.Empty(t, problemKinds(set, "B"))
	require.Contains(t, set.Problems[0].Message, "2 separate parts")
}

func TestASchoolOutsideItsOwnCatchmentIsReported(t *testing.T) {
	schools, homes := twoHalves()
	schools[0].x = 1500 // A stands among B's homes
	set := derive(t, schools, homes, 4000, Options{CellM: 25, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}})
	a := catchmentOf(t, set, "A")
	require.False(t, a.ContainsSchool)
	require.True(t, catchmentOf(t, set, "B").ContainsSchool)
	require.Equal(t, []string{ProblemSchoolOutside}, problemKinds(set, "A"))
	require.Contains(t, set.Problems[0].Message, "belongs to B")
}

func TestTheCapLimitsACatchmentToADisc(t *testing.T) {
	schools := []fixtureSchool{{id: "A", x: 1000, y: 1000, seats: 10}}
	homes := []fixtureHome{{1000, 1000, 0}}
	set := derive(t, schools, homes, 500, Options{CellM: 20, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}})
	a := catchmentOf(t, set, "A")
	require.InDelta(t, math.Pi*0.25, a.AreaKm2, 0.03, "a disc of 500 m")
	require.True(t, contains(a, 1480, 1000) && contains(a, 1000, 520))
	require.False(t, contains(a, 1530, 1000) || contains(a, 1000, 470))
	require.Equal(t, 1, a.Parts)
	require.Len(t, a.Shape[0], 1)
}

func TestASchoolThatAdmittedNobodyHasAnEmptyCatchment(t *testing.T) {
	schools, homes := twoHalves()
	schools = append(schools, fixtureSchool{id: "C", x: 1000, y: 1000, seats: 35})
	// D admitted one child, who lives exactly where a child of A lives
	// with a smaller applicant id: D's home never decides an address.
	schools = append(schools, fixtureSchool{id: "D", x: 900, y: 900, seats: 35})
	homes = append(homes, fixtureHome{homes[0].x, homes[0].y, 3})
	set := derive(t, schools, homes, 4000, Options{CellM: 50, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}})
	c, d := catchmentOf(t, set, "C"), catchmentOf(t, set, "D")
	require.Nil(t, c.Shape)
	require.Zero(t, c.Parts)
	require.Nil(t, c.Cutoff)
	require.Nil(t, d.Shape)
	require.Equal(t, 1, d.Assigned)
	require.Equal(t, []string{ProblemEmpty}, problemKinds(set, "C"))
	require.Equal(t, []string{ProblemEmpty}, problemKinds(set, "D"))
	require.Contains(t, string(set.GeoJSON()), `"id":"C/grade1","geometry":null`)
}

func TestACatchmentWithLandOnBothBanksCrossesTheRiver(t *testing.T) {
	schools := []fixtureSchool{{id: "A", x: 500, y: 500, seats: 200}, {id: "B", x: 1500, y: 500, seats: 200}, {id: "C", x: 1500, y: 1500, seats: 200}}
	homes := gridHomes(2000, 100, func(x, y float64) int32 {
		switch {
		case x < 1000:
			return 0
		case y < 1000:
			return 1
		}
		return 2
	})
	river := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Sông"},"geometry":` +
		`{"type":"Polygon","coordinates":[[` + pos(-100, 900) + `,` + pos(2100, 900) + `,` + pos(2100, 1100) + `,` + pos(-100, 1100) + `,` + pos(-100, 900) + `]]}}]}`)
	set := derive(t, schools, homes, 4000, Options{CellM: 25, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}, Rivers: river})
	require.True(t, set.Rivers)
	require.Equal(t, 2, catchmentOf(t, set, "A").RiverSides)
	require.Equal(t, 1, catchmentOf(t, set, "B").RiverSides)
	require.Equal(t, 1, catchmentOf(t, set, "C").RiverSides)
	require.Equal(t, []string{ProblemCrossesRiver}, problemKinds(set, "A"))
	require.Contains(t, string(set.GeoJSON()), `"crosses_river":true`)

	// A centre line divides the land the same way.
	line := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":` +
		`{"type":"LineString","coordinates":[` + pos(-100, 980) + `,` + pos(2100, 1030) + `]}}]}`)
	set = derive(t, schools, homes, 4000, Options{CellM: 25, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}, Rivers: line})
	require.Equal(t, 2, catchmentOf(t, set, "A").RiverSides)
	require.Equal(t, 1, catchmentOf(t, set, "B").RiverSides)
}

func pos(x, y float64) string {
	p := at(x, y)
	return "[" + num(p[0]) + "," + num(p[1]) + "]"
}

func TestWithoutABoundaryTheUnionOfTheWardsClipsAndLocatesSchools(t *testing.T) {
	schools, homes := twoHalves()
	schools[0].ward, schools[1].ward = "", ""
	wards := []geo.Ward{{Code: "W2", Name: "Phường Đông", Shape: orb.MultiPolygon{square(1000, 0, 2000, 2000)}},
		{Code: "W1", Name: "Phường Tây", Shape: orb.MultiPolygon{square(0, 0, 1000, 2000)}}}
	set := derive(t, schools, homes, 4000, Options{CellM: 25, Wards: wards})
	require.Equal(t, ClipWards, set.Clip)
	a, b := catchmentOf(t, set, "A"), catchmentOf(t, set, "B")
	require.Equal(t, "W1", a.Ward)
	require.Equal(t, "W2", b.Ward)
	require.InDelta(t, 4.0, a.AreaKm2+b.AreaKm2, 0.1)

	in := set.InWard("W2", "Phường Đông")
	require.Len(t, in.Catchments, 1)
	require.Equal(t, "B", in.Catchments[0].SchoolID)
	require.Equal(t, &WardTotals{Code: "W2", Name: "Phường Đông", Schools: 1, Seats: 250, Assigned: 200, PlacesUsed: 200, Fill: 0.8}, in.Ward)
	require.Contains(t, string(in.GeoJSON()), `"ward":{"code":"W2","name":"Phường Đông"`)
}

func TestWithoutBoundaryOrWardsTheReachOfTheHomesClips(t *testing.T) {
	set := derive(t, []fixtureSchool{{id: "A", x: 0, y: 0, seats: 10}}, []fixtureHome{{0, 0, 0}}, 300, Options{CellM: 20})
	require.Equal(t, ClipHomes, set.Clip)
	require.InDelta(t, math.Pi*0.09, catchmentOf(t, set, "A").AreaKm2, 0.02)
}

func TestTheGeoJSONIsTheGoldenFileAndTheSameOnEveryRun(t *testing.T) {
	schools, _ := twoHalves()
	// A also admits an island of homes among B's: B's catchment gets a hole.
	homes := gridHomes(2000, 100, func(x, y float64) int32 {
		if x < 1000 || x > 1300 && x < 1700 && y > 1300 && y < 1700 {
			return 0
		}
		return 1
	})
	opt := Options{CellM: 100, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}}
	got := derive(t, schools, homes, 4000, opt).GeoJSON()
	prev := runtime.GOMAXPROCS(1)
	single := derive(t, schools, homes, 4000, opt).GeoJSON()
	runtime.GOMAXPROCS(prev)
	require.Equal(t, string(got), string(single), "the same bytes with one goroutine")
	golden := filepath.Join("testdata", "two-halves.geojson")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./maps -run Golden -update to create it")
	require.Equal(t, string(want), string(got))
	set := derive(t, schools, homes, 4000, opt)
	require.Equal(t, 2, catchmentOf(t, set, "A").Parts)
	require.Len(t, catchmentOf(t, set, "B").Shape[0], 2, "B's polygon has the island as a hole")
}

func TestDeriveRejectsLevelsAndCellSizesItCannotUse(t *testing.T) {
	schools, homes := twoHalves()
	r := fixtureResult(schools, homes, 4000)
	_, err := Derive(context.Background(), r, []geo.Level{geo.Grade6}, Options{})
	require.ErrorIs(t, err, ErrNoLevel)
	for _, cell := range []float64{1, 5000, math.NaN()} {
		_, err = Derive(context.Background(), r, nil, Options{CellM: cell, Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}})
		require.ErrorIs(t, err, ErrGrid, "cell %v", cell)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Derive(ctx, r, nil, Options{Boundary: orb.MultiPolygon{square(0, 0, 2000, 2000)}})
	require.ErrorIs(t, err, context.Canceled)
}
