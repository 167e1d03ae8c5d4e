package maps

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/require"
)

// hanoiDir is the real Hanoi geography kept beside the repository.
var hanoiDir = filepath.Join("..", "..", "shared", "data", "hanoi")

func readHanoi(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(hanoiDir, name))
	if os.IsNotExist(err) {
		t.Skipf("real Hanoi data not found at %s (../shared/data/hanoi/ beside the repository): skipped", hanoiDir)
	}
	require.NoError(t, err)
	return data
}

// TestRealHanoiGeography derives grade 1 catchments on the real city: the
// OpenStreetMap primary schools, a home at the centre of every populated
// WorldPop hexagon placed at its nearest school within 4 km, clipped to the
// real boundary, with the Red and Black River centre lines as water.
func TestRealHanoiGeography(t *testing.T) {
	boundary, err := DecodeBoundary(readHanoi(t, "hanoi_boundary_2025.geojson"))
	require.NoError(t, err)
	wards, err := geo.DecodeWards("hanoi_wards_2025.geojson", readHanoi(t, "hanoi_wards_2025.geojson"))
	require.NoError(t, err)
	require.Len(t, wards, 126)
	rivers := readHanoi(t, "hanoi_rivers_naturalearth.geojson")

	schoolsFC, err := geojson.UnmarshalFeatureCollection(readHanoi(t, "hanoi_schools_osm.geojson"))
	require.NoError(t, err)
	var schools []geo.School
	for i, f := range schoolsFC.Features {
		p, ok := f.Geometry.(orb.Point)
		levels, _ := f.Properties["level_guess"].([]any)
		if !ok || !slices.Contains(levels, any("primary")) {
			continue
		}
		s := geo.School{ID: fmt.Sprintf("P%04d", i), Name: f.Properties.MustString("name", ""), Ward: f.Properties.MustString("ward_code_2025", ""), Loc: p}
		s.Seats[geo.Grade1], s.HasSeats[geo.Grade1] = 175, true
		schools = append(schools, s)
	}
	require.Greater(t, len(schools), 400)

	popFC, err := geojson.UnmarshalFeatureCollection(readHanoi(t, "hanoi_population_h3r8_2025.geojson"))
	require.NoError(t, err)
	var homes []orb.Point
	var owners []string
	for _, f := range popFC.Features {
		poly, ok := f.Geometry.(orb.Polygon)
		if !ok || f.Properties.MustFloat64("population", 0) < 100 {
			continue
		}
		c, _ := planar.CentroidArea(poly)
		best, bestD := "", math.MaxInt
		for _, s := range schools {
			if d := geo.DistanceHaversine(c, s.Loc); d <= 4000 && (d < bestD || d == bestD && s.ID < best) {
				best, bestD = s.ID, d
			}
		}
		homes = append(homes, c)
		owners = append(owners, best)
	}
	require.Greater(t, len(homes), 2000)
	r := resultOf(schools, homes, owners, 4000)

	opt := Options{CellM: 150, Boundary: boundary, Wards: wards, Rivers: rivers}
	set, err := Derive(context.Background(), r, nil, opt)
	require.NoError(t, err)
	again, err := Derive(context.Background(), r, nil, opt)
	require.NoError(t, err)
	require.Equal(t, string(set.GeoJSON()), string(again.GeoJSON()), "the same bytes on every run")

	total, crossing := 0.0, 0
	for _, c := range set.Catchments {
		total += c.AreaKm2
		if c.RiverSides > 1 {
			crossing++
		}
	}
	require.Less(t, total, 3359.84+30, "within the city's 3,359.84 km², up to the cells along its outline")
	require.Greater(t, total, 1000.0)
	require.Positive(t, crossing, "some schools draw homes from both banks of the Red River")
	t.Logf("%d schools, %d homes: %.0f km² covered, %d problems, %d catchments across a river",
		len(schools), len(homes), total, len(set.Problems), crossing)

	// The drawn catchments agree with the address lookup at random cell
	// centres of the real city.
	g, err := newGrid(multiBound(boundary), 150)
	require.NoError(t, err)
	in := g.mask(boundary)
	lr, err := deriveLevel(context.Background(), r, geo.Grade1, &g, in, nil)
	require.NoError(t, err)
	loc := round.NewLocator(r, geo.Grade1)
	rng := rand.New(rand.NewPCG(2026, 5))
	for range 3000 {
		i, j := rng.IntN(g.nx), rng.IntN(g.ny)
		want := int32(-1)
		if l, ok := loc.Locate(g.centre(i, j)); ok && in[j*g.nx+i] {
			want = l.School
		}
		require.Equal(t, want, lr.labels[j*g.nx+i], "cell (%d, %d)", i, j)
	}

	// A ward map of the real city draws, with its Vietnamese name.
	var svg, png []byte
	for _, w := range wards {
		if w.Code == "00004" { // Ba Đình
			var b bytes.Buffer
			require.NoError(t, RenderSVG(&b, set, geo.Grade1, MapOptions{Ward: w.Code, Wards: wards, Boundary: boundary, Rivers: rivers}))
			svg = b.Bytes()
			var p bytes.Buffer
			require.NoError(t, RenderPNG(&p, set, geo.Grade1, MapOptions{Ward: w.Code, Wards: wards, Boundary: boundary, Rivers: rivers, WidthPx: 600}))
			png = p.Bytes()
		}
	}
	require.Contains(t, string(svg), "Ba Đình")
	require.NotEmpty(t, png)
	if out := os.Getenv("CATCHMENT_HANOI_PNG"); out != "" {
		require.NoError(t, os.WriteFile(out, png, 0o644)) // to look at it
	}
}
