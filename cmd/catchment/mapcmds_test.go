package main

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// mapRound generates a small city and runs a round on it; it returns the
// city and round directories.
func mapRound(t *testing.T) (city, roundDir string) {
	t.Helper()
	base := t.TempDir()
	city, roundDir = filepath.Join(base, "city"), filepath.Join(base, "round")
	code, _, stderr := runCmd("gen", "-q", "--out", city, "--applicants", "6000", "--schools", "40", "--wards", "16")
	require.Equal(t, 0, code, stderr)
	code, _, stderr = runCmd("allocate", "-q", "--schools", city+"/schools.geojson", "--applicants", city+"/applicants.geojson",
		"--wards", city+"/wards.geojson", "--policy", city+"/policy.json", "--year", "2026", "--seed", "maps", "--out", roundDir)
	require.Equal(t, 0, code, stderr)
	return city, roundDir
}

type featureCollection struct {
	Problems []struct {
		SchoolID string `json:"school_id"`
		Kind     string
	}
	Derivation struct {
		Clip   string
		CellM  float64 `json:"cell_m"`
		Rivers bool
	}
	Features []struct {
		ID         string
		Properties struct {
			SchoolID string `json:"school_id"`
			Level    string
			Seats    int
		}
	}
}

func TestCatchmentsWritesTheSameGeoJSONOnEveryRun(t *testing.T) {
	_, dir := mapRound(t)
	out1, out2 := filepath.Join(t.TempDir(), "a.geojson"), filepath.Join(t.TempDir(), "b.geojson")
	code, stdout, stderr := runCmd("catchments", "--round", dir, "--out", out1, "--cell-m", "200", "--level", "grade1")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "catchments written to "+out1)
	require.Contains(t, stdout, "not_contiguous")
	require.Contains(t, stderr, "label cells grade1", "progress on stderr")
	require.Contains(t, stderr, "city boundary from", "the boundary beside the schools input is used")
	code, _, stderr = runCmd("catchments", "-q", "--round", dir, "--out", out2, "--cell-m", "200", "--level", "grade1")
	require.Equal(t, 0, code, stderr)
	require.Empty(t, stderr)
	a, err := os.ReadFile(out1)
	require.NoError(t, err)
	b, err := os.ReadFile(out2)
	require.NoError(t, err)
	require.Equal(t, string(a), string(b))

	var fc featureCollection
	require.NoError(t, json.Unmarshal(a, &fc))
	require.Equal(t, "boundary", fc.Derivation.Clip)
	require.Equal(t, 200.0, fc.Derivation.CellM)
	require.True(t, fc.Derivation.Rivers)
	require.NotEmpty(t, fc.Features)
	csv, err := os.ReadFile(filepath.Join(dir, "schools.csv"))
	require.NoError(t, err)
	require.Equal(t, strings.Count(string(csv), ",grade1,"), len(fc.Features), "one catchment per grade 1 offer")
}

func TestCatchmentsOfEveryLevelAreSortedBySchoolThenLevel(t *testing.T) {
	_, dir := mapRound(t)
	out := filepath.Join(t.TempDir(), "all.geojson")
	code, _, stderr := runCmd("catchments", "-q", "--round", dir, "--out", out, "--cell-m", "400")
	require.Equal(t, 0, code, stderr)
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var fc featureCollection
	require.NoError(t, json.Unmarshal(data, &fc))
	order := []string{"preschool3", "preschool4", "preschool5", "grade1", "grade6"}
	keys := make([]string, len(fc.Features))
	for i, f := range fc.Features {
		keys[i] = f.Properties.SchoolID + "/" + string(rune('0'+slices.Index(order, f.Properties.Level)))
	}
	require.True(t, slices.IsSorted(keys))
	levels := map[string]bool{}
	for _, f := range fc.Features {
		levels[f.Properties.Level] = true
	}
	require.Len(t, levels, 5)
}

func TestCatchmentsRefusesARoundItCannotReproduce(t *testing.T) {
	city, dir := mapRound(t)
	copyDir := filepath.Join(t.TempDir(), "round")
	require.NoError(t, os.MkdirAll(copyDir, 0o755))
	for _, f := range []string{"manifest.json", "assignments.csv", "summary.json"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(copyDir, f), data, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(copyDir, "schools.csv"), []byte("school_id,level\n"), 0o644))
	overrides := []string{"--schools", city + "/schools.geojson", "--applicants", city + "/applicants.geojson",
		"--wards", city + "/wards.geojson", "--policy", city + "/policy.json"}
	code, _, stderr := runCmd(append([]string{"catchments", "-q", "--round", copyDir, "--out", filepath.Join(t.TempDir(), "x.geojson"), "--level", "grade1"}, overrides...)...)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "does not reproduce")
}

func TestCatchmentsAndRenderExplainUsageMistakes(t *testing.T) {
	_, dir := mapRound(t)
	for _, args := range [][]string{
		{"catchments"}, {"catchments", "--round", dir}, {"catchments", "--round", dir, "--out", "x", "--level", "grade9"},
		{"render", "--round", dir, "--out", "x.png"}, {"render", "--round", dir, "--ward", "00001", "--out", "x.jpg"},
		{"render", "--round", dir, "--ward", "00001", "--out", "x.png", "--width", "10"},
	} {
		code, _, _ := runCmd(args...)
		require.Equal(t, 2, code, "%v", args)
	}
	code, _, stderr := runCmd("render", "-q", "--round", dir, "--ward", "99999", "--out", filepath.Join(t.TempDir(), "x.png"), "--cell-m", "400")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `ward "99999" is not in the round's wards`)
}

func TestRenderDrawsAWardAsPNGAndSVG(t *testing.T) {
	city, dir := mapRound(t)
	wards, err := os.ReadFile(filepath.Join(city, "wards.geojson"))
	require.NoError(t, err)
	var fc struct {
		Features []struct{ Properties struct{ Code, Name string } }
	}
	require.NoError(t, json.Unmarshal(wards, &fc))
	ward := fc.Features[len(fc.Features)/2].Properties
	pngOut := filepath.Join(t.TempDir(), "map.png")
	code, stdout, stderr := runCmd("render", "--round", dir, "--ward", ward.Code, "--out", pngOut, "--cell-m", "200", "--width", "600")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "map of ward "+ward.Code+" (grade1")
	require.Contains(t, stderr, "draw "+pngOut)
	data, err := os.ReadFile(pngOut)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(data))
	require.NoError(t, err)
	require.Greater(t, img.Bounds().Dx(), 600, "the map and its legend")

	svgOut := filepath.Join(t.TempDir(), "map.svg")
	code, _, stderr = runCmd("render", "-q", "--round", dir, "--ward", ward.Code, "--out", svgOut, "--cell-m", "200", "--level", "grade6")
	require.Equal(t, 0, code, stderr)
	svg, err := os.ReadFile(svgOut)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(svg, []byte("<svg")))
	require.Contains(t, string(svg), ward.Name, "Vietnamese names in full")
	require.Contains(t, string(svg), "grade6 catchments")
}
