package round

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/seeds"
	"github.com/paulmach/orb"
	"github.com/stretchr/testify/require"
)

// smallCity writes a generated city of n applicants into a temporary
// directory and returns it.
func smallCity(t testing.TB, n int) string {
	t.Helper()
	dir := t.TempDir()
	cfg := seeds.DefaultConfig()
	cfg.Applicants, cfg.SchoolsPerLevel = n, max(20, n/400)
	city, err := seeds.Generate(cfg, nil)
	require.NoError(t, err)
	require.NoError(t, city.WriteDir(dir, nil))
	return dir
}

func cityInputs(t testing.TB, dir, outDir string) Inputs {
	t.Helper()
	in := Inputs{}
	for role, name := range map[Role]string{RoleSchools: "schools.geojson", RoleApplicants: "applicants.geojson",
		RoleWards: "wards.geojson", RolePolicy: "policy.json"} {
		src, err := ReadSource(filepath.Join(dir, name))
		require.NoError(t, err)
		if outDir != "" {
			rel, err := filepath.Rel(outDir, src.Path)
			require.NoError(t, err)
			src.ManifestPath = rel
		}
		in[role] = src
	}
	return in
}

func request(in Inputs) Request {
	return Request{Inputs: in, Year: 2026, Seed: "test-seed", Mode: allocator.Stable}
}

// shuffleFeatures returns the FeatureCollection with its features in a
// random order.
func shuffleFeatures(t *testing.T, data []byte, rng *rand.Rand) []byte {
	var fc map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &fc))
	var features []json.RawMessage
	require.NoError(t, json.Unmarshal(fc["features"], &features))
	rng.Shuffle(len(features), func(i, j int) { features[i], features[j] = features[j], features[i] })
	out, err := json.Marshal(features)
	require.NoError(t, err)
	fc["features"] = out
	shuffled, err := json.Marshal(fc)
	require.NoError(t, err)
	return shuffled
}

func TestOutputsAreIdenticalWhateverTheFeatureOrderAndGOMAXPROCS(t *testing.T) {
	city := smallCity(t, 6000)
	first, err := Run(context.Background(), request(cityInputs(t, city, "")))
	require.NoError(t, err)

	const seed = 99
	t.Logf("shuffle seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	in := cityInputs(t, city, "")
	for _, role := range []Role{RoleSchools, RoleApplicants, RoleWards} {
		in[role].Data = shuffleFeatures(t, in[role].Data, rng)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	second, err := Run(context.Background(), request(in))
	require.NoError(t, err)
	for _, name := range []string{FileAssignments, FileSchools, FileSummary} {
		require.Equal(t, string(first.File(name)), string(second.File(name)), name)
	}
	// The manifests differ only in the hashes of the reordered inputs.
	require.Equal(t, first.Manifest.Outputs, second.Manifest.Outputs)
	require.NotEqual(t, first.Manifest.Inputs[1].SHA256, second.Manifest.Inputs[1].SHA256)
}

func writeRound(t *testing.T, city string) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "round")
	rd, err := Run(context.Background(), request(cityInputs(t, city, out)))
	require.NoError(t, err)
	require.NoError(t, rd.WriteDir(out))
	return out
}

func TestReplayVerifiesAFreshRound(t *testing.T) {
	out := writeRound(t, smallCity(t, 3000))
	rep, err := Replay(context.Background(), out, DirResolver(out, nil), nil)
	require.NoError(t, err)
	require.True(t, rep.OK(), "differ: %v", rep.Differ)
	require.ElementsMatch(t, []string{FileAssignments, FileManifest, FileSchools, FileSummary}, rep.Matching)
}

func TestReplayFailsWhenAnyOutputByteChanges(t *testing.T) {
	out := writeRound(t, smallCity(t, 3000))
	for _, name := range []string{FileAssignments, FileSchools, FileSummary, FileManifest} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(out, name)
			orig, err := os.ReadFile(path)
			require.NoError(t, err)
			defer os.WriteFile(path, orig, 0o644)
			changed := append([]byte(nil), orig...)
			i := len(changed) / 2
			changed[i] ^= 0x01
			require.NoError(t, os.WriteFile(path, changed, 0o644))
			rep, err := Replay(context.Background(), out, DirResolver(out, nil), nil)
			if name == FileManifest && err != nil {
				return // a corrupted manifest may no longer parse: also a failure
			}
			require.NoError(t, err)
			require.False(t, rep.OK())
			require.Len(t, rep.Differ, 1)
			require.Contains(t, rep.Differ[0], name)
		})
	}
}

func TestReplayRefusesAChangedInput(t *testing.T) {
	city := smallCity(t, 2000)
	out := writeRound(t, city)
	path := filepath.Join(city, "schools.geojson")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, append(data, '\n'), 0o644))
	_, err = Replay(context.Background(), out, DirResolver(out, nil), nil)
	require.ErrorIs(t, err, ErrInputChanged)
}

func TestReplayReportsAnExtraFile(t *testing.T) {
	out := writeRound(t, smallCity(t, 2000))
	require.NoError(t, os.WriteFile(filepath.Join(out, "notes.txt"), []byte("x"), 0o644))
	rep, err := Replay(context.Background(), out, DirResolver(out, nil), nil)
	require.NoError(t, err)
	require.False(t, rep.OK())
	require.Equal(t, []string{"notes.txt: not an output of this round"}, rep.Differ)
}

func TestAFailedWriteLeavesNothingBehind(t *testing.T) {
	parent := t.TempDir()
	out := filepath.Join(parent, "round")
	rd := &Round{Files: []File{{"a.csv", []byte("x")}, {"no/such/dir.csv", []byte("y")}}}
	require.Error(t, rd.WriteDir(out))
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	require.Empty(t, entries, "a failed write must leave neither the directory nor a partial one")
}

func TestAnExistingDirectoryIsNeverOverwritten(t *testing.T) {
	out := t.TempDir()
	rd := &Round{Files: []File{{"a.csv", []byte("x")}}}
	require.ErrorIs(t, rd.WriteDir(out), ErrExists)
}

func TestBadInputFailsWithLocatedProblemsAndWritesNothing(t *testing.T) {
	city := smallCity(t, 1000)
	in := cityInputs(t, city, "")
	in[RoleApplicants].Data = []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8,21]},"properties":{"id":"A1","level":"grade1","birth_year":2020,"residence":"permanent","preferences":["NOPE"],"priority":"vip"}}]}`)
	_, err := Run(context.Background(), request(in))
	require.Error(t, err)
	require.Contains(t, err.Error(), `feature 0 (id "A1"): property "preferences": no school has id "NOPE"`)
	require.Contains(t, err.Error(), `property "priority": unknown group "vip"`)
}

func TestExplainReRunsTheApplicantsLevel(t *testing.T) {
	out := writeRound(t, smallCity(t, 3000))
	rd, err := Rerun(context.Background(), mustManifest(t, out), DirResolver(out, nil), nil, nil)
	require.NoError(t, err)
	for i, a := range rd.Result.Applicants {
		if rd.Result.Placements[i].ChoiceRank < 2 {
			continue
		}
		e, err := Explain(context.Background(), out, DirResolver(out, nil), a.ID)
		require.NoError(t, err)
		require.Equal(t, "assigned", e.Status)
		require.Len(t, e.Above, int(rd.Result.Placements[i].ChoiceRank)-1)
		return
	}
	t.Fatal("no applicant placed below its first choice in the test city")
}

func mustManifest(t *testing.T, dir string) *Manifest {
	m, err := ReadManifest(dir)
	require.NoError(t, err)
	return m
}

func TestLocatorAnswersTheSchoolOfTheNearestPlacedHome(t *testing.T) {
	rd, err := Run(context.Background(), request(cityInputs(t, smallCity(t, 3000), "")))
	require.NoError(t, err)
	r := rd.Result
	loc := NewLocator(r, geo.Grade1)
	rng := rand.New(rand.NewPCG(5, 5))
	for q := 0; q < 300; q++ {
		a := r.Applicants[rng.IntN(len(r.Applicants))]
		p := orb.Point{a.Loc[0] + (rng.Float64()-0.5)*0.02, a.Loc[1] + (rng.Float64()-0.5)*0.02}
		// brute force: the nearest placed grade-1 home, ties by id
		best, bestD := -1, 0
		for i := range r.Applicants {
			if r.Applicants[i].Level != geo.Grade1 || r.Placements[i].Status != allocator.Assigned {
				continue
			}
			if d := geo.DistanceHaversine(p, r.Applicants[i].Loc); best < 0 || d < bestD {
				best, bestD = i, d
			}
		}
		got, ok := loc.Locate(p)
		if best < 0 || bestD > r.Policy.MaxDistanceM[geo.Grade1] {
			require.False(t, ok)
			continue
		}
		require.True(t, ok)
		require.Equal(t, r.Placements[best].School, got.School)
		require.Equal(t, bestD, got.HomeDistM)
		require.Equal(t, geo.DistanceHaversine(p, r.Schools[got.School].Loc), got.DistM)
	}
}
