package geo

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func fc(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",\n") + "]}"
}

func point(lon, lat float64, props string) string {
	return fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,%v]},"properties":%s}`, lon, lat, props)
}

const goodApplicant = `{"id":"A1","level":"grade1","birth_year":2020,"residence":"permanent"}`
const goodSchool = `{"id":"S1","seats":{"grade1":35}}`

// wantProblem is what a test expects of the first problem found.
type wantProblem struct {
	feature  int
	id       string
	property string
	msg      string // a fragment of the message
}

func checkProblem(t *testing.T, err error, file string, want wantProblem) {
	t.Helper()
	require.Error(t, err)
	ps := AsProblems(err)
	require.NotEmpty(t, ps, "error %v carries no problems", err)
	p := ps[0]
	require.Equal(t, file, p.File)
	require.Equal(t, want.feature, p.Feature, "feature index in %q", p.Error())
	require.Equal(t, want.id, p.ID, "id in %q", p.Error())
	require.Equal(t, want.property, p.Property, "property in %q", p.Error())
	require.Contains(t, p.Msg, want.msg)
}

func TestMalformedApplicantsGiveLocatedProblems(t *testing.T) {
	cases := []struct {
		name string
		data string
		want wantProblem
	}{
		{"an empty file", "  \n", wantProblem{WholeFile, "", "", "empty file"}},
		{"malformed JSON between features", fc(point(105.8, 21, goodApplicant)) + "x", wantProblem{WholeFile, "", "", "after the FeatureCollection"}},
		{"an unterminated feature", `{"type":"FeatureCollection","features":[` + point(105.8, 21, goodApplicant) + `,{"type":"Feature"`, wantProblem{1, "", "", "unclosed"}},
		{"invalid JSON inside a feature", fc(point(105.8, 21, goodApplicant), `{"type":"Feature","geometry":nul}`), wantProblem{1, "", "", "not a GeoJSON feature"}},
		{"not a FeatureCollection", `{"type":"Feature","features":[]}`, wantProblem{WholeFile, "", "type", "FeatureCollection"}},
		{"no features array", `{"type":"FeatureCollection"}`, wantProblem{WholeFile, "", "", "no \"features\""}},
		{"a missing id", fc(point(105.8, 21, `{"level":"grade1","birth_year":2020,"residence":"permanent"}`)), wantProblem{0, "", "id", "missing"}},
		{"a duplicate id", fc(point(105.8, 21, goodApplicant), point(105.8, 21, goodApplicant)), wantProblem{1, "A1", "id", "duplicate id (first used by feature 0)"}},
		{"a polygon home", fc(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":` + goodApplicant + `}`), wantProblem{0, "A1", "geometry", `type "Polygon", want Point`}},
		{"a missing geometry", fc(`{"type":"Feature","geometry":null,"properties":` + goodApplicant + `}`), wantProblem{0, "A1", "geometry", "missing"}},
		{"a latitude out of range", fc(point(105.8, 91, goodApplicant)), wantProblem{0, "A1", "geometry", "out of range"}},
		{"a longitude out of range", fc(point(181, 21, goodApplicant)), wantProblem{0, "A1", "geometry", "out of range"}},
		{"a position with one number", fc(`{"type":"Feature","geometry":{"type":"Point","coordinates":[105.8]},"properties":` + goodApplicant + `}`), wantProblem{0, "A1", "geometry", "1 number(s)"}},
		{"an unknown level", fc(point(105.8, 21, `{"id":"A1","level":"grade2","birth_year":2020,"residence":"permanent"}`)), wantProblem{0, "A1", "level", `unknown level "grade2"`}},
		{"a level name in other case", fc(point(105.8, 21, `{"id":"A1","Level":"grade1","birth_year":2020,"residence":"permanent"}`)), wantProblem{0, "A1", "level", "missing"}},
		{"a birth year as a string", fc(point(105.8, 21, `{"id":"A1","level":"grade1","birth_year":"2020","residence":"permanent"}`)), wantProblem{0, "A1", "birth_year", "want an integer"}},
		{"an implausible birth year", fc(point(105.8, 21, `{"id":"A1","level":"grade1","birth_year":20,"residence":"permanent"}`)), wantProblem{0, "A1", "birth_year", "plausible"}},
		{"an unknown residence", fc(point(105.8, 21, `{"id":"A1","level":"grade1","birth_year":2020,"residence":"visitor"}`)), wantProblem{0, "A1", "residence", "visitor"}},
		{"a preference listed twice", fc(point(105.8, 21, `{"id":"A1","level":"grade1","birth_year":2020,"residence":"permanent","preferences":["S1","S1"]}`)), wantProblem{0, "A1", "preferences", "listed twice"}},
		{"a disability that is not a boolean", fc(point(105.8, 21, `{"id":"A1","level":"grade1","birth_year":2020,"residence":"permanent","disability":"yes"}`)), wantProblem{0, "A1", "disability", "true or false"}},
		{"an empty priority", fc(point(105.8, 21, `{"id":"A1","level":"grade1","birth_year":2020,"residence":"permanent","priority":""}`)), wantProblem{0, "A1", "priority", "empty"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			apps, err := DecodeApplicants("applicants.geojson", []byte(c.data))
			require.Nil(t, apps)
			checkProblem(t, err, "applicants.geojson", c.want)
		})
	}
}

func TestMalformedSchoolsGiveLocatedProblems(t *testing.T) {
	cases := []struct {
		name string
		data string
		want wantProblem
	}{
		{"negative seats", fc(point(105.8, 21, `{"id":"S1","seats":{"grade1":-35}}`)), wantProblem{0, "S1", "seats", "negative seats -35 for grade1"}},
		{"fractional seats", fc(point(105.8, 21, `{"id":"S1","seats":{"grade1":3.5}}`)), wantProblem{0, "S1", "seats", "want an integer"}},
		{"an unknown level in classes", fc(point(105.8, 21, `{"id":"S1","classes":{"grade9":2}}`)), wantProblem{0, "S1", "classes", `unknown level "grade9"`}},
		{"no seats and no classes", fc(point(105.8, 21, `{"id":"S1"}`)), wantProblem{0, "S1", "seats", "missing"}},
		{"a level in seats and in classes", fc(point(105.8, 21, `{"id":"S1","seats":{"grade1":35},"classes":{"grade1":1}}`)), wantProblem{0, "S1", "classes", "both"}},
		{"a duplicate id", fc(point(105.8, 21, goodSchool), point(105.9, 21, goodSchool)), wantProblem{1, "S1", "id", "duplicate"}},
		{"a line", fc(`{"type":"Feature","geometry":{"type":"LineString","coordinates":[[0,0],[1,1]]},"properties":` + goodSchool + `}`), wantProblem{0, "S1", "geometry", "LineString"}},
		{"an open polygon ring", fc(`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]},"properties":` + goodSchool + `}`), wantProblem{0, "S1", "geometry", "not closed"}},
		{"feeder not a list", fc(point(105.8, 21, `{"id":"S1","seats":{"grade6":45},"feeder":"P1"}`)), wantProblem{0, "S1", "feeder", "array of strings"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			schools, err := DecodeSchools("schools.geojson", []byte(c.data))
			require.Nil(t, schools)
			checkProblem(t, err, "schools.geojson", c.want)
		})
	}
}

func TestEveryProblemInAFileIsListed(t *testing.T) {
	data := fc(
		point(105.8, 21, goodApplicant),
		point(105.8, 95, `{"id":"A2","level":"grade1","birth_year":2020,"residence":"permanent"}`),
		point(105.8, 21, `{"id":"A3","level":"grade7","birth_year":2020,"residence":"nomad"}`),
		point(105.8, 21, goodApplicant),
	)
	_, err := DecodeApplicants("a.geojson", []byte(data))
	ps := AsProblems(err)
	require.Len(t, ps, 4)
	require.Equal(t, []int{1, 2, 2, 3}, []int{ps[0].Feature, ps[1].Feature, ps[2].Feature, ps[3].Feature})
	require.Equal(t, []string{"geometry", "level", "residence", "id"}, []string{ps[0].Property, ps[1].Property, ps[2].Property, ps[3].Property})
	require.Contains(t, err.Error(), `a.geojson: feature 2 (id "A3"): property "level"`)
}

func TestSchoolsDecodeSeatsClassesAndPolygons(t *testing.T) {
	poly := `{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[105.80,21.00],[105.82,21.00],[105.82,21.02],[105.80,21.02],[105.80,21.00]]]},` +
		`"properties":{"id":"S2","name":"Polygon school","ward":"00004","classes":{"preschool3":2,"preschool4":1},"inclusive":true,"extra":{"kept":"ignored"}}}`
	schools, err := DecodeSchools("s.geojson", []byte(fc(point(105.8, 21, `{"id":"S1","seats":{"grade6":90},"feeder":["P1","P2"],"selective":true}`), poly)))
	require.NoError(t, err)
	require.Len(t, schools, 2)
	s1, s2 := schools[0], schools[1]
	require.True(t, s1.Offers(Grade6) && !s1.Offers(Grade1))
	require.Equal(t, 90, s1.Seats[Grade6])
	require.Equal(t, []string{"P1", "P2"}, s1.Feeder)
	require.True(t, s1.Selective)
	require.Equal(t, 2, s2.Classes[Preschool3])
	require.True(t, s2.HasClass[Preschool4] && !s2.HasSeats[Preschool4])
	require.InDelta(t, 105.81, s2.Loc[0], 1e-9)
	require.InDelta(t, 21.01, s2.Loc[1], 1e-9)
	require.Equal(t, "00004", s2.Ward)
	require.True(t, s2.Inclusive)
}

func TestTheFeatureIDServesWhenThereIsNoIDProperty(t *testing.T) {
	f := `{"type":"Feature","id":"W7","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"code":"00007","name":"Ward 7"}}`
	wards, err := DecodeWards("w.geojson", []byte(fc(f)))
	require.NoError(t, err)
	require.Equal(t, "00007", wards[0].Code)
	apps, err := DecodeApplicants("a.geojson", []byte(fc(`{"type":"Feature","id":17,"geometry":{"type":"Point","coordinates":[105.8,21]},"properties":{"level":"grade6","birth_year":2015,"residence":"temporary"}}`)))
	require.NoError(t, err)
	require.Equal(t, "17", apps[0].ID)
	require.Equal(t, Temporary, apps[0].Residence)
}

func TestCheckReferencesLocatesUnknownSchools(t *testing.T) {
	apps := []Applicant{{ID: "A1", Feature: 3, Preferences: []string{"S1", "S9"}}}
	cats := []Catchment{{SchoolID: "S8", Feature: 0}}
	ps := CheckReferences("a.geojson", apps, []School{{ID: "S1"}}, "c.geojson", cats)
	require.Len(t, ps, 2)
	require.Equal(t, Problem{File: "a.geojson", Feature: 3, ID: "A1", Property: "preferences", Msg: `no school has id "S9"`}, ps[0])
	require.Equal(t, "c.geojson", ps[1].File)
	require.Equal(t, "school_id", ps[1].Property)
}
