package seeds

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

func TestSameConfigWritesByteIdenticalFiles(t *testing.T) {
	g := smallCity(t)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	again, err := Generate(smallConfig(), nil)
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, again.WriteDir(dir, nil))
	for _, name := range FileNames() {
		want, err := os.ReadFile(filepath.Join(g.dir, name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.Truef(t, bytes.Equal(want, got), "%s differs between two runs (GOMAXPROCS %d and 1)", name, prev)
	}
}

func TestDifferentSeedsGiveDifferentCities(t *testing.T) {
	cfg := smallConfig()
	cfg.Applicants, cfg.Seed = 500, 1
	a, err := Generate(cfg, nil)
	require.NoError(t, err)
	cfg.Seed = 2
	b, err := Generate(cfg, nil)
	require.NoError(t, err)
	assert.NotEqual(t, a.applicants[0].id, b.applicants[0].id)
	assert.NotEqual(t, a.schools[0].pos, b.schools[0].pos)
}

// TestSmallCityMatchesGoldenHashes pins the output of the small config; run
// with -update after an intended change of the model.
func TestSmallCityMatchesGoldenHashes(t *testing.T) {
	g := smallCity(t)
	var b strings.Builder
	for _, name := range FileNames() {
		raw, err := os.ReadFile(filepath.Join(g.dir, name))
		require.NoError(t, err)
		sum := sha256.Sum256(raw)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), name)
	}
	golden := filepath.Join("testdata", "small.sha256")
	if *update {
		require.NoError(t, os.WriteFile(golden, []byte(b.String()), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./seeds/ -run Golden -update to create it")
	assert.Equal(t, string(want), b.String(), "output changed; if intended, rerun with -update")
}

func TestWriteDirLeavesExactlyTheListedFiles(t *testing.T) {
	g := smallCity(t)
	entries, err := os.ReadDir(g.dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, FileNames(), names)
}

func TestFilesAreCompactUTF8WithSixDecimals(t *testing.T) {
	g := smallCity(t)
	tooPrecise := regexp.MustCompile(`\d\.\d{7,}`)
	for _, name := range FileNames() {
		raw, err := os.ReadFile(filepath.Join(g.dir, name))
		require.NoError(t, err)
		assert.Truef(t, bytes.HasSuffix(raw, []byte("\n")), "%s ends without a newline", name)
		assert.NotContainsf(t, string(raw), "\r", "%s has CR", name)
		assert.Falsef(t, tooPrecise.Match(raw), "%s has a number with more than 6 decimals", name)
		assert.Truef(t, json.Valid(raw), "%s is not valid JSON", name)
	}
}

func TestGeometryTypesPerFile(t *testing.T) {
	g := smallCity(t)
	want := map[string][]string{
		"wards.geojson":      {"Polygon"},
		"boundary.geojson":   {"Polygon"},
		"rivers.geojson":     {"Polygon", "LineString"},
		"roads.geojson":      {"LineString"},
		"schools.geojson":    {"Point"},
		"applicants.geojson": {"Point"},
	}
	for name, types := range want {
		for i, f := range g.fcs[name].Features {
			assert.Containsf(t, types, f.Geometry.GeoJSONType(), "%s feature %d", name, i)
			if poly, ok := f.Geometry.(orb.Polygon); ok {
				ring := poly[0]
				assert.Truef(t, ring.Closed(), "%s feature %d ring not closed", name, i)
				assert.Equalf(t, orb.CCW, ring.Orientation(), "%s feature %d ring not counter-clockwise", name, i)
			}
		}
	}
}

func TestPolicyListsExactlyTheGroupsApplicantsUse(t *testing.T) {
	g := smallCity(t)
	raw, err := os.ReadFile(filepath.Join(g.dir, "policy.json"))
	require.NoError(t, err)
	var policy map[string][]string
	require.NoError(t, json.Unmarshal(raw, &policy))
	require.Len(t, policy, 1, "policy.json holds only priority_groups")
	used := map[string]bool{}
	for _, f := range g.fcs["applicants.geojson"].Features {
		if p, ok := f.Properties["priority"].(string); ok {
			used[p] = true
		}
	}
	assert.Len(t, policy["priority_groups"], len(used))
	for _, name := range policy["priority_groups"] {
		assert.Truef(t, used[name], "group %s listed but unused", name)
	}
	assert.Equal(t, []string{"war_martyr_child", "war_invalid_child", "poor_household", "ethnic_minority"}, policy["priority_groups"])
}
