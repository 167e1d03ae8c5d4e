package round

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/require"
)

// The Hanoi instance puts synthetic grade-1 applicants on real geography:
// homes drawn in proportion to the WorldPop population grid, the
// OpenStreetMap primary schools, each sized in whole classes to the
// demand of the homes nearest to it (no capacities are public). The data
// stays in ../shared/data/hanoi; the tests skip without it.

const hanoiData = "../../shared/data/hanoi"

// grade1Share is the grade-1 cohort (155,000 in 2025-26) over the city's
// population (8,807,523).
const grade1Share = 155000.0 / 8807523.0

func hanoiOrSkip(t testing.TB) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(hanoiData, "hanoi_population_h3r8_2025.geojson")); err != nil {
		t.Skipf("real Hanoi data not found at %s (it sits beside the repository as ../shared): %v", hanoiData, err)
	}
}

func readCollection(t testing.TB, name string) *geojson.FeatureCollection {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(hanoiData, name))
	require.NoError(t, err)
	fc, err := geojson.UnmarshalFeatureCollection(data)
	require.NoError(t, err)
	return fc
}

// hanoiGrade1 writes schools.geojson and applicants.geojson for the
// instance, with a fraction of the cohort, and returns the directory.
func hanoiGrade1(t testing.TB, fraction float64) string {
	hanoiOrSkip(t)
	homes := hanoiHomes(t, fraction)
	schools := hanoiPrimaries(t)
	seats := sizeSeats(schools, homes, 35)
	dir := t.TempDir()
	var sf []map[string]any
	for i, s := range schools {
		sf = append(sf, pointFeature(s, map[string]any{"id": fmt.Sprintf("P%04d", i), "seats": map[string]int{"grade1": seats[i]}}))
	}
	var af []map[string]any
	for i, h := range homes {
		af = append(af, pointFeature(h, map[string]any{"id": fmt.Sprintf("H%06d", i), "level": "grade1", "birth_year": 2020, "residence": "permanent"}))
	}
	writeFC(t, filepath.Join(dir, "schools.geojson"), sf)
	writeFC(t, filepath.Join(dir, "applicants.geojson"), af)
	return dir
}

// hanoiHomes draws homes in each population cell, largest remainders
// rounding the expected counts, uniformly inside the cell.
func hanoiHomes(t testing.TB, fraction float64) []orb.Point {
	cells := readCollection(t, "hanoi_population_h3r8_2025.geojson").Features
	want := make([]float64, len(cells))
	for i, f := range cells {
		want[i] = f.Properties.MustFloat64("population", 0) * grade1Share * fraction
	}
	counts := largestRemainder(want)
	rng := rand.New(rand.NewPCG(2026, 1))
	var homes []orb.Point
	for i, f := range cells {
		poly, ok := f.Geometry.(orb.Polygon)
		if !ok {
			continue
		}
		b := poly.Bound()
		for n := 0; n < counts[i]; {
			p := orb.Point{b.Min[0] + rng.Float64()*(b.Max[0]-b.Min[0]), b.Min[1] + rng.Float64()*(b.Max[1]-b.Min[1])}
			if planar.PolygonContains(poly, p) {
				homes = append(homes, orb.Point{round6(p[0]), round6(p[1])})
				n++
			}
		}
	}
	return homes
}

func largestRemainder(want []float64) []int {
	total := 0.0
	out := make([]int, len(want))
	order := make([]int, len(want))
	for i, w := range want {
		total += w
		out[i] = int(w)
		order[i] = i
	}
	given := 0
	for _, n := range out {
		given += n
	}
	slices.SortStableFunc(order, func(a, b int) int {
		ra, rb := want[a]-math.Floor(want[a]), want[b]-math.Floor(want[b])
		switch {
		case ra > rb:
			return -1
		case ra < rb:
			return 1
		}
		return 0
	})
	for _, i := range order[:int(math.Round(total))-given] {
		out[i]++
	}
	return out
}

// hanoiPrimaries returns the OpenStreetMap schools whose name marks them
// primary.
func hanoiPrimaries(t testing.TB) []orb.Point {
	var out []orb.Point
	for _, f := range readCollection(t, "hanoi_schools_osm.geojson").Features {
		guess, _ := f.Properties["level_guess"].([]any)
		if slices.Contains(guess, any("primary")) {
			if p, ok := f.Geometry.(orb.Point); ok {
				out = append(out, p)
			}
		}
	}
	return out
}

// sizeSeats gives each school whole classes for the homes nearest to it
// (at least one class).
func sizeSeats(schools, homes []orb.Point, classSize int) []int {
	ix := geo.NewPointIndex(schools)
	demand := make([]int, len(schools))
	for _, h := range homes {
		if near := ix.Nearest(h, 1, 100000, nil); len(near) > 0 {
			demand[near[0].Index]++
		}
	}
	seats := make([]int, len(schools))
	for i, d := range demand {
		seats[i] = classSize * max(1, int(math.Round(float64(d)/float64(classSize))))
	}
	return seats
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func pointFeature(p orb.Point, props map[string]any) map[string]any {
	return map[string]any{"type": "Feature", "geometry": map[string]any{"type": "Point", "coordinates": []float64{p[0], p[1]}}, "properties": props}
}

func writeFC(t testing.TB, path string, features []map[string]any) {
	data, err := json.Marshal(map[string]any{"type": "FeatureCollection", "features": features})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o644))
}

func hanoiRound(t testing.TB, dir string, mode allocator.Mode) *Round {
	in := Inputs{}
	for role, name := range map[Role]string{RoleSchools: "schools.geojson", RoleApplicants: "applicants.geojson"} {
		src, err := ReadSource(filepath.Join(dir, name))
		require.NoError(t, err)
		in[role] = src
	}
	rd, err := Run(context.Background(), Request{Inputs: in, Year: 2026, Seed: "hanoi", Mode: mode, Levels: []geo.Level{geo.Grade1}, Compare: true})
	require.NoError(t, err)
	return rd
}

// TestHanoiPriceOfStabilityOnATenthOfTheCohort runs both modes on real
// geography with a tenth of the grade-1 cohort and checks the invariants;
// BenchmarkHanoiGrade1 runs the whole cohort.
func TestHanoiPriceOfStabilityOnATenthOfTheCohort(t *testing.T) {
	dir := hanoiGrade1(t, 0.1)
	rd := hanoiRound(t, dir, allocator.Stable)
	require.Len(t, rd.Summary.PriceOfStability, 1)
	c := rd.Summary.PriceOfStability[0]
	t.Logf("Hanoi grade 1, a tenth of the cohort: stable placed %d, optimal %d; distance %d m vs %d m; %d change school; %d envy pairs",
		c.StableAssigned, c.OptimalAssigned, c.StableDistanceM, c.OptimalDistanceM, c.ChangedSchool, c.OptimalEnvyPairs)
	require.GreaterOrEqual(t, c.OptimalAssigned, c.StableAssigned)
	if c.OptimalAssigned == c.StableAssigned {
		require.LessOrEqual(t, c.OptimalDistanceM, c.StableDistanceM)
	}
	require.Len(t, rd.Summary.Optimality, 1)
	require.True(t, rd.Summary.Optimality[0].Verified)
}

// BenchmarkHanoiGrade1 runs the whole grade-1 cohort on real geography in
// both modes and reports the price of stability.
func BenchmarkHanoiGrade1(b *testing.B) {
	dir := hanoiGrade1(b, 1)
	for b.Loop() {
		rd := hanoiRound(b, dir, allocator.Stable)
		c := rd.Summary.PriceOfStability[0]
		b.ReportMetric(float64(c.StableAssigned), "stable-placed")
		b.ReportMetric(float64(c.OptimalAssigned), "optimal-placed")
		b.ReportMetric(float64(c.ExtraDistanceM), "stable-minus-optimal-m")
		b.ReportMetric(float64(c.ChangedSchool), "changed-school")
		b.ReportMetric(float64(c.OptimalEnvyPairs), "optimal-envy-pairs")
	}
}
