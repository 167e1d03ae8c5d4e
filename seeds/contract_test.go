package seeds

import (
	"regexp"
	"slices"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb/geojson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	applicantID = regexp.MustCompile(`^A[0-9a-f]{12}$`)
	schoolID    = regexp.MustCompile(`^S[0-9]{4,}$`)
	wardCode    = regexp.MustCompile(`^[0-9]{5}$`)
)

// applicantKeys are the only properties an applicant may carry.
var applicantKeys = []string{"id", "level", "birth_year", "residence", "priority", "disability", "preferences", "primary_school"}

// shares counts how many features have each optional trait.
type shares struct{ n, temporary, priority, disability, prefs, offYear, olderDisabled int }

func TestApplicantsFollowTheDataContract(t *testing.T) {
	g := smallCity(t)
	schools := schoolsByID(t, g)
	groups := map[string]bool{}
	for _, pg := range priorityGroups {
		groups[pg.name] = true
	}
	cfg := g.city.cfg
	var s shares
	perLevel := map[string]int{}
	grade6, withPrimary := 0, 0
	seen := map[string]bool{}
	for i, f := range g.fcs["applicants.geojson"].Features {
		p := f.Properties
		for k := range p {
			require.Containsf(t, applicantKeys, k, "applicant %d has unknown property %q", i, k)
		}
		id := p.MustString("id")
		require.Regexp(t, applicantID, id)
		require.Falsef(t, seen[id], "duplicate applicant id %s", id)
		seen[id] = true
		lvl, err := geo.ParseLevel(p.MustString("level"))
		require.NoError(t, err)
		perLevel[lvl.String()]++
		checkBirthYear(t, f, lvl, cfg.Year, &s)
		res := p.MustString("residence")
		require.Contains(t, []string{"permanent", "temporary"}, res)
		s.n++
		if res == "temporary" {
			s.temporary++
		}
		if pr, ok := p["priority"]; ok {
			require.Truef(t, groups[pr.(string)], "applicant %s: unknown priority %v", id, pr)
			s.priority++
		}
		if d, ok := p["disability"]; ok {
			require.Equal(t, true, d)
			s.disability++
		}
		if _, ok := p["preferences"]; ok {
			checkPreferences(t, f, lvl, schools)
			s.prefs++
		}
		if lvl == geo.Grade6 {
			grade6++
		}
		if ps, ok := p["primary_school"]; ok {
			require.Equal(t, geo.Grade6, lvl, "primary_school only on grade 6")
			require.Contains(t, offeredLevels(schools[ps.(string)]), "grade1")
			withPrimary++
		}
	}
	counts := levelCounts(cfg.Applicants)
	for _, l := range geo.Levels() {
		assert.Equalf(t, counts[l], perLevel[l.String()], "applicants at %s", l)
	}
	assertShare(t, "temporary residence", s.temporary, s.n, 0.20, 0.02)
	assertShare(t, "priority", s.priority, s.n, 0.04, 0.01)
	assertShare(t, "disability", s.disability, s.n, 0.008, 0.003)
	assertShare(t, "preferences", s.prefs, s.n, 0.20, 0.02)
	assertShare(t, "born off-year", s.offYear, s.n, 0.005, 0.003)
	assertShare(t, "grade 6 naming a primary school", withPrimary, grade6, 0.90, 0.02)
	assert.Positive(t, s.olderDisabled, "some children with disabilities are older")
}

// checkBirthYear checks the birth year: the level's year, one or two years
// off for a few (ineligible), or up to three years older with a disability.
func checkBirthYear(t *testing.T, f *geojson.Feature, l geo.Level, year int, s *shares) {
	t.Helper()
	by := int(f.Properties.MustFloat64("birth_year"))
	want := year - l.EntryAge()
	_, disabled := f.Properties["disability"]
	switch d := by - want; {
	case d == 0:
	case disabled && d >= -3 && d < 0:
		s.olderDisabled++
	case !disabled && d >= -2 && d <= 2:
		s.offYear++
	default:
		t.Fatalf("applicant %v: birth year %d for %s (disability %v)", f.Properties["id"], by, l, disabled)
	}
}

// checkPreferences checks 1-3 distinct schools that offer the level.
func checkPreferences(t *testing.T, f *geojson.Feature, l geo.Level, schools map[string]*geojson.Feature) {
	t.Helper()
	raw, ok := f.Properties["preferences"].([]any)
	require.True(t, ok)
	require.GreaterOrEqual(t, len(raw), 1)
	require.LessOrEqual(t, len(raw), 3)
	var ids []string
	for _, v := range raw {
		id := v.(string)
		require.NotContains(t, ids, id, "repeated preference")
		ids = append(ids, id)
		s, ok := schools[id]
		require.Truef(t, ok, "preference %s is not a school", id)
		require.Containsf(t, offeredLevels(s), l.String(), "preference %s does not offer %s", id, l)
	}
}

// assertShare checks that got/n is within tol of want.
func assertShare(t *testing.T, what string, got, n int, want, tol float64) {
	t.Helper()
	share := float64(got) / float64(n)
	assert.InDeltaf(t, want, share, tol, "share of %s: %d of %d", what, got, n)
}

func TestSchoolsFollowTheDataContract(t *testing.T) {
	g := smallCity(t)
	schools := schoolsByID(t, g)
	wardCodes, _ := wardPolygons(t, g)
	offering := map[string]int{}
	selective, inclusive, byClasses := 0, 0, 0
	for id, f := range schools {
		require.Regexp(t, schoolID, id)
		require.NotEmpty(t, f.Properties.MustString("name"))
		require.Contains(t, wardCodes, f.Properties.MustString("ward"))
		_, hasSeats := f.Properties["seats"]
		_, hasClasses := f.Properties["classes"]
		require.Truef(t, hasSeats != hasClasses, "school %s needs exactly one of seats and classes", id)
		if hasClasses {
			byClasses++
		}
		levels := offeredLevels(f)
		checkOfferedLevels(t, id, levels, hasClasses)
		for l := range levels {
			offering[l]++
		}
		selective += countTrue(t, f, "selective")
		inclusive += countTrue(t, f, "inclusive")
		checkFeeder(t, f, levels, schools)
	}
	for _, l := range geo.Levels() {
		assert.Equalf(t, g.city.cfg.SchoolsPerLevel, offering[l.String()], "schools offering %s", l)
	}
	n := len(schools)
	assertShare(t, "selective schools", selective, n, 0.02, 0.01)
	assertShare(t, "inclusive schools", inclusive, n, 0.15, 0.06)
	assertShare(t, "schools publishing classes", byClasses, n, 0.10, 0.05)
}

// checkOfferedLevels checks one of the four offers and whole classes.
func checkOfferedLevels(t *testing.T, id string, levels map[string]float64, byClasses bool) {
	t.Helper()
	var codes []string
	for l, n := range levels {
		codes = append(codes, l)
		lvl, err := geo.ParseLevel(l)
		require.NoError(t, err)
		require.Positive(t, n)
		if !byClasses {
			require.Zerof(t, int(n)%classCap[lvl], "school %s: %v seats at %s is not whole classes", id, n, l)
		}
		require.Equal(t, float64(int(n)), n)
	}
	slices.Sort(codes)
	offers := [][]string{{"preschool3", "preschool4", "preschool5"}, {"grade1"}, {"grade6"}, {"grade1", "grade6"}}
	require.Containsf(t, offers, codes, "school %s offers %v", id, codes)
}

// countTrue returns 1 if property k is true, 0 if absent; any other value fails.
func countTrue(t *testing.T, f *geojson.Feature, k string) int {
	t.Helper()
	v, ok := f.Properties[k]
	if !ok {
		return 0
	}
	require.Equal(t, true, v)
	return 1
}

// checkFeeder checks that exactly the grade-6 schools list 1-4 feeders
// offering grade 1.
func checkFeeder(t *testing.T, f *geojson.Feature, levels map[string]float64, schools map[string]*geojson.Feature) {
	t.Helper()
	raw, ok := f.Properties["feeder"].([]any)
	_, grade6 := levels["grade6"]
	require.Equal(t, grade6, ok, "feeder exactly on grade-6 schools")
	if !ok {
		return
	}
	require.GreaterOrEqual(t, len(raw), 1)
	require.LessOrEqual(t, len(raw), 4)
	for _, v := range raw {
		p, ok := schools[v.(string)]
		require.True(t, ok)
		require.Contains(t, offeredLevels(p), "grade1")
	}
}
