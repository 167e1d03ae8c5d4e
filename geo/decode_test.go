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
		{"an id with an invalid UTF-8 byte", fc(point(105.8, 21, "{\"id\":\"A\xff1\",\"level\":\"grade1\",\"birth_year\":2020,\"residence\":\"permanent\"}")), wantProblem{0, "", "id", "invalid UTF-8"}},
		{"an id with an unpaired surrogate escape", fc(point(105.8, 21, `{"id":"A\ud8001","level":"grade1","birth_year":2020,"residence":"permanent"}`)), wantProblem{0, "", "id", "invalid UTF-8"}},
		{"a feature id with an invalid UTF-8 byte", fc("{\"type\":\"Feature\",\"id\":\"A\xc3\",\"geometry\":{\"type\":\"Point\",\"coordinates\":[105.8,21]},\"properties\":{\"level\":\"grade1\",\"birth_year\":2020,\"residence\":\"permanent\"}}"), wantProblem{0, "", "id", "invalid UTF-8"}},
		{"a priority with an invalid UTF-8 byte", fc(point(105.8, 21, "{\"id\":\"A1\",\"level\":\"grade1\",\"birth_year\":2020,\"residence\":\"permanent\",\"priority\":\"poor\xe1\"}")), wantProblem{0, "A1", "priority", "invalid UTF-8"}},
		{"a preference with an unpaired surrogate escape", fc(point(105.8, 21, `{"id":"A1","level":"grade1","birth_year":2020,"residence":"permanent","preferences":["S1","S\udc00"]}`)), wantProblem{0, "A1", "preferences", "entry 1: invalid UTF-8"}},
		{"a primary school with an invalid UTF-8 byte", fc(point(105.8, 21, "{\"id\":\"A1\",\"level\":\"grade6\",\"birth_year\":2015,\"residence\":\"permanent\",\"primary_school\":\"P\x80\"}")), wantProblem{0, "A1", "primary_school", "invalid UTF-8"}},
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
		{"seats that list no level", fc(point(105.8, 21, `{"id":"S1","seats":{}}`)), wantProblem{0, "S1", "seats", "want at least one level"}},
		{"classes that list no level", fc(point(105.8, 21, `{"id":"S1","classes":{}}`)), wantProblem{0, "S1", "classes", "want at least one level"}},
		{"empty seats and empty classes", fc(point(105.8, 21, `{"id":"S1","seats":{},"classes":{}}`)), wantProblem{0, "S1", "seats", "want at least one level"}},
		{"an id with an invalid UTF-8 byte", fc(point(105.8, 21, "{\"id\":\"S\xff\",\"seats\":{\"grade1\":35}}")), wantProblem{0, "", "id", "invalid UTF-8"}},
		{"a name with an invalid UTF-8 byte", fc(point(105.8, 21, "{\"id\":\"S1\",\"name\":\"Tr\xc6\",\"seats\":{\"grade1\":35}}")), wantProblem{0, "S1", "name", "invalid UTF-8"}},
		{"a ward with an unpaired surrogate escape", fc(point(105.8, 21, `{"id":"S1","ward":"\ud800","seats":{"grade1":35}}`)), wantProblem{0, "S1", "ward", "invalid UTF-8"}},
		{"a feeder with an invalid UTF-8 byte", fc(point(105.8, 21, "{\"id\":\"S1\",\"seats\":{\"grade6\":45},\"feeder\":[\"P\xff\"]}")), wantProblem{0, "S1", "feeder", "entry 0: invalid UTF-8"}},
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

func TestInvalidUTF8IsReportedNotReplaced(t *testing.T) {
	props := func(id string) string {
		return `{"id":"` + id + `","level":"grade1","birth_year":2020,"residence":"permanent"}`
	}
	cases := []struct {
		name string
		data string
		want []Problem // every problem, in order
	}{
		{"two ids that differ only in invalid bytes are two problems, not a duplicate",
			fc(point(105.8, 21, props("A\xff")), point(105.8, 21, props("A\xfe"))),
			[]Problem{{File: "a", Feature: 0, Property: "id", Msg: msgInvalidUTF8}, {File: "a", Feature: 1, Property: "id", Msg: msgInvalidUTF8}}},
		{"an unpaired surrogate and U+FFFD itself are not the same id",
			fc(point(105.8, 21, props(`A\udfff`)), point(105.8, 21, props("A\uFFFD"))),
			[]Problem{{File: "a", Feature: 0, Property: "id", Msg: msgInvalidUTF8}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, ps := DecodeApplicantsPartial("a", []byte(c.data))
			require.Equal(t, Problems(c.want), ps)
		})
	}
}

func TestTextThatIsValidUTF8IsKeptAsIs(t *testing.T) {
	cases := []struct {
		name, id string
		want     string
	}{
		{"a Vietnamese id", `"Trường-1"`, "Trường-1"},
		{"a replacement character written as it is", "\"A\uFFFD\"", "A\uFFFD"},
		{"a replacement character written as an escape", `"A\ufffd"`, "A\uFFFD"},
		{"a surrogate pair", `"A\ud83d\ude00"`, "A\U0001F600"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			props := `{"id":` + c.id + `,"level":"grade1","birth_year":2020,"residence":"permanent","preferences":[` + c.id + `]}`
			raw := point(105.8, 21, props)
			var ps Problems
			slow, ok := parseOne("a", 0, []byte(raw), &ps, parseApplicant)
			require.True(t, ok, "%v", ps)
			require.Equal(t, c.want, slow.ID)
			require.Equal(t, []string{c.want}, slow.Preferences)
			apps, err := DecodeApplicants("a", []byte(fc(raw)))
			require.NoError(t, err)
			require.Equal(t, c.want, apps[0].ID)
		})
	}
}

func TestEveryProblemOfOneSchoolIsListed(t *testing.T) {
	cases := []struct {
		name  string
		props string
		want  []string // the properties of the problems, in order
	}{
		{"a bad id does not hide missing seats", `{"id":5}`, []string{"id", "seats"}},
		{"a bad name does not hide empty seats", `{"id":"S1","name":7,"seats":{}}`, []string{"name", "seats"}},
		{"a bad flag does not hide a level in seats and in classes", `{"id":"S1","selective":"no","seats":{"grade1":35},"classes":{"grade1":1}}`, []string{"selective", "classes"}},
		{"an unknown level is not also an empty offer", `{"id":"S1","seats":{"grade9":35}}`, []string{"seats"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := DecodeSchools("s", []byte(fc(point(105.8, 21, c.props))))
			var got []string
			for _, p := range AsProblems(err) {
				got = append(got, p.Property)
			}
			require.Equal(t, c.want, got, "%v", err)
		})
	}
}

func TestALevelWithNoSeatsIsStillOffered(t *testing.T) {
	schools, err := DecodeSchools("s", []byte(fc(point(105.8, 21, `{"id":"S1","seats":{"grade1":0}}`), point(105.8, 21, `{"id":"S2","classes":{"grade6":0}}`))))
	require.NoError(t, err)
	require.True(t, schools[0].Offers(Grade1))
	require.Zero(t, schools[0].Seats[Grade1])
	require.True(t, schools[1].Offers(Grade6))
}

func TestPartialDecodingKeepsWhatDecoded(t *testing.T) {
	t.Run("a school with a problem keeps its id", func(t *testing.T) {
		schools, ps := DecodeSchoolsPartial("s", []byte(fc(point(105.8, 21, `{"id":"S1","seats":{"grade1":-1}}`), `{"type":"Point"}`, point(105.8, 21, goodSchool))))
		require.Len(t, ps, 3)
		require.Equal(t, []string{"S1", "S1"}, []string{schools[0].ID, schools[1].ID})
		require.Equal(t, []int{0, 2}, []int{schools[0].Feature, schools[1].Feature}, "feature 1 is not a Feature")
		require.Equal(t, Problem{File: "s", Feature: 2, ID: "S1", Property: "id", Msg: "duplicate id (first used by feature 0)"}, ps[2])
	})
	t.Run("an applicant with a problem keeps its preferences", func(t *testing.T) {
		apps, ps := DecodeApplicantsPartial("a", []byte(fc(point(105.8, 21, `{"id":"A1","level":"grade9","birth_year":2020,"residence":"permanent","preferences":["S1"]}`))))
		require.Len(t, ps, 1)
		require.Equal(t, []string{"S1"}, apps[0].Preferences)
	})
	t.Run("a file that cannot be split gives nothing", func(t *testing.T) {
		schools, ps := DecodeSchoolsPartial("s", []byte(`{"type":"FeatureCollection","features":[{`))
		require.Nil(t, schools)
		require.Len(t, ps, 1)
	})
	t.Run("a file with no features gives an empty list", func(t *testing.T) {
		cats, ps := DecodeCatchmentsPartial("c", []byte(fc()))
		require.NotNil(t, cats)
		require.Empty(t, ps)
	})
}
