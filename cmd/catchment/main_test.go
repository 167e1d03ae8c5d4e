package main

import (
	"bytes"
	"context"
	"fmt"
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

func TestValidateHelpSaysFeatureIndexesCountFrom0(t *testing.T) {
	code, _, stderr := runCmd("validate", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, stderr, `Feature indexes count from 0, as in jq's .features[N]: "feature 0" is the first feature`)
}

// collection is a FeatureCollection of features written as JSON.
func collection(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",\n") + "]}"
}

// at is a Point feature with the given properties.
func at(props string) string {
	return `{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8,21]},"properties":` + props + `}`
}

// area is a square Polygon feature with the given properties.
func area(props string) string {
	return `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[105.79,20.99],[105.81,20.99],[105.81,21.01],[105.79,21.01],[105.79,20.99]]]},"properties":` + props + `}`
}

func TestValidateAndAllocateListEveryProblemAtOnce(t *testing.T) {
	goodSchool := `{"id":"S1","seats":{"grade1":35}}`
	goodApplicant := `{"id":"A1","level":"grade1","birth_year":2020,"residence":"permanent"}`
	cases := []struct {
		name  string
		files map[string]string // flag -> file content
		want  []string          // a fragment of each line of validate's output, in order
	}{
		{"a policy that does not parse is listed beside the problems of the files", map[string]string{
			"schools":    collection(at(goodSchool)),
			"applicants": collection(at(`{"id":"A1","level":"grade9","birth_year":2020,"residence":"permanent"}`)),
			"policy":     `{"MAX_DISTANCE_M": {"grade1": 3000}}`,
		}, []string{
			`applicants.geojson: feature 0 (id "A1"): property "level": unknown level "grade9"`,
			`policy.json: unknown key "MAX_DISTANCE_M": key names are case-sensitive; did you mean "max_distance_m"?`,
		}},
		{"every invalid policy value is listed, naming its key", map[string]string{
			"schools":    collection(at(goodSchool)),
			"applicants": collection(at(goodApplicant)),
			"policy":     `{"priority_order": [], "class_caps": {"grade1": 0}}`,
		}, []string{
			`policy.json: key "class_caps": grade1 is 0, want 1..200`,
			`policy.json: key "priority_order": empty: want at least one key`,
		}},
		{"a bad id does not hide missing seats", map[string]string{
			"schools":    collection(at(`{"id":5}`), at(goodSchool)),
			"applicants": collection(at(goodApplicant)),
		}, []string{
			`schools.geojson: feature 0: property "id": want a non-empty string, got 5`,
			`schools.geojson: feature 0: property "seats": missing`,
		}},
		{"references are checked on every feature that decoded", map[string]string{
			"schools": collection(at(goodSchool), at(`{"id":"S2","seats":{}}`)),
			"applicants": collection(
				at(`{"id":"A1","level":"grade9","birth_year":2020,"residence":"permanent","preferences":["S9","S2"]}`),
				at(`{"id":"A2","level":"grade1","birth_year":2020,"residence":"permanent","priority":"vip"}`)),
			"catchments": collection(area(`{"school_id":"S8","level":"grade1"}`), `{"type":"Feature","geometry":null,"properties":{"school_id":"S1","level":"grade1"}}`),
			"policy":     `{"priority_groups": ["poor_household"]}`,
		}, []string{
			`schools.geojson: feature 1 (id "S2"): property "seats": lists no level: want at least one level`,
			`applicants.geojson: feature 0 (id "A1"): property "level": unknown level "grade9"`,
			`applicants.geojson: feature 0 (id "A1"): property "preferences": no school has id "S9"`,
			`applicants.geojson: feature 1 (id "A2"): property "priority": unknown group "vip"`,
			`catchments.geojson: feature 0 (id "S8"): property "school_id": no school has id "S8"`,
			`catchments.geojson: feature 1 (id "S1"): property "geometry": missing`,
		}},
		{"a schools file that cannot be read does not make every preference unknown", map[string]string{
			"schools":    `{"type":"FeatureCollection","features":[{`,
			"applicants": collection(at(`{"id":"A1","level":"grade1","birth_year":2020,"residence":"permanent","preferences":["S1"]}`)),
		}, []string{`schools.geojson: feature 0: malformed JSON`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			var args []string
			for _, flag := range []string{"schools", "applicants", "catchments", "policy"} {
				content, ok := c.files[flag]
				if !ok {
					continue
				}
				name := flag + ".geojson"
				if flag == "policy" {
					name = "policy.json"
				}
				path := filepath.Join(dir, name)
				require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
				args = append(args, "--"+flag, path)
			}
			code, stdout, _ := runCmd(append([]string{"validate"}, args...)...)
			require.Equal(t, 1, code)
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			require.Len(t, lines, len(c.want)+1, stdout)
			for i, w := range c.want {
				require.Contains(t, lines[i], dir+string(filepath.Separator)+w, "line %d", i)
			}
			require.Equal(t, fmt.Sprintf("%d problem(s)", len(c.want)), lines[len(c.want)])

			out := filepath.Join(dir, "round")
			code, _, stderr := runCmd(append([]string{"allocate", "-q", "--year", "2026", "--seed", "s", "--out", out}, args...)...)
			require.Equal(t, 1, code)
			for _, w := range c.want {
				require.Contains(t, stderr, dir+string(filepath.Separator)+w)
			}
			require.NoDirExists(t, out)
		})
	}
}
