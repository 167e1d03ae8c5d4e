package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, c := range commands() {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := runCmd(c.name, "--help")
			require.Equal(t, 0, code)
			require.Contains(t, stderr, "usage: catchment "+c.name)
		})
	}
	code, _, stderr := runCmd("--help")
	require.Equal(t, 0, code)
	require.Contains(t, stderr, "commands:")
}

func TestUsageMistakesExitWithStatus2(t *testing.T) {
	for _, args := range [][]string{{}, {"nonsense"}, {"allocate"}, {"allocate", "--bogus"}, {"replay"}, {"explain", "dir"}} {
		code, _, _ := runCmd(args...)
		require.Equal(t, 2, code, "%v", args)
	}
}

func fixture(name string) string { return filepath.Join("..", "..", "fixtures", name) }

func TestAllocateReplayAndExplainAFixture(t *testing.T) {
	out := filepath.Join(t.TempDir(), "r")
	dir := fixture("priority-residence-distance")
	code, stdout, stderr := runCmd("allocate", "--schools", dir+"/schools.geojson", "--applicants", dir+"/applicants.geojson",
		"--policy", dir+"/policy.json", "--year", "2026", "--seed", "fixture", "--out", out)
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stdout, "grade1")
	require.Contains(t, stderr, "load inputs", "progress goes to stderr")
	want, err := os.ReadFile(dir + "/expected/assignments.csv")
	require.NoError(t, err)
	got, err := os.ReadFile(out + "/assignments.csv")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))

	code, stdout, _ = runCmd("replay", "-q", out)
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "replay verified: 4 files identical")

	code, stdout, _ = runCmd("explain", out, "B4")
	require.Equal(t, 0, code)
	require.Contains(t, stdout, "applicant B4 (grade1): unassigned")
	require.Contains(t, stdout, "S1, 2224 m: full (2 seats); the last admitted child lives 1112 m away")

	require.NoError(t, os.WriteFile(out+"/schools.csv", []byte("tampered\n"), 0o644))
	code, stdout, _ = runCmd("replay", "-q", out)
	require.Equal(t, 1, code)
	require.Contains(t, stdout, "DIFFERS schools.csv")
}

func TestAllocateRefusesAnExistingDirectory(t *testing.T) {
	dir := fixture("ties-and-lottery")
	code, _, stderr := runCmd("allocate", "--schools", dir+"/schools.geojson", "--applicants", dir+"/applicants.geojson",
		"--year", "2026", "--seed", "s", "--out", t.TempDir())
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "already exists")
}

func TestBadInputListsEveryProblemAndWritesNothing(t *testing.T) {
	tmp := t.TempDir()
	bad := filepath.Join(tmp, "applicants.geojson")
	require.NoError(t, os.WriteFile(bad, []byte(`{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8,21]},"properties":{"id":"A1","level":"grade9","birth_year":2020,"residence":"permanent"}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8,121]},"properties":{"id":"A2","level":"grade1","birth_year":2020,"residence":"permanent"}}]}`), 0o644))
	schools := fixture("ties-and-lottery") + "/schools.geojson"

	code, stdout, _ := runCmd("validate", "--schools", schools, "--applicants", bad)
	require.Equal(t, 1, code)
	require.Contains(t, stdout, bad+`: feature 0 (id "A1"): property "level": unknown level "grade9"`)
	require.Contains(t, stdout, bad+`: feature 1 (id "A2"): property "geometry"`)
	require.Contains(t, stdout, "2 problem(s)")

	out := filepath.Join(tmp, "round")
	code, _, stderr := runCmd("allocate", "-q", "--schools", schools, "--applicants", bad, "--year", "2026", "--seed", "s", "--out", out)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, `property "level"`)
	entries, err := os.ReadDir(tmp)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the input file: no round directory, no partial one")
}

func TestValidateAcceptsGoodInput(t *testing.T) {
	dir := fixture("in-catchment")
	code, stdout, _ := runCmd("validate", "--schools", dir+"/schools.geojson", "--applicants", dir+"/applicants.geojson", "--catchments", dir+"/catchments.geojson")
	require.Equal(t, 0, code)
	require.True(t, strings.HasPrefix(stdout, "ok: 2 schools, 2 applicants, 0 wards, 1 catchments"), stdout)
}

func TestATimeLimitThatExpiresGivesAClearErrorAndNoDirectory(t *testing.T) {
	dir := fixture("ties-and-lottery")
	out := filepath.Join(t.TempDir(), "r")
	code, _, stderr := runCmd("allocate", "-q", "--schools", dir+"/schools.geojson", "--applicants", dir+"/applicants.geojson",
		"--year", "2026", "--seed", "s", "--out", out, "--time-limit", "1ns")
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "did not finish within --time-limit 1ns; nothing was written")
	require.NoDirExists(t, out)
}
