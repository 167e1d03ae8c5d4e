package geo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// The fuzz tests feed arbitrary bytes to the decoders: they must never
// panic, must return either applicants or located problems, and what they
// accept must satisfy the data contract. CI runs each for a few seconds
// (make fuzz); go test runs the seed corpus.

func addSeeds(f *testing.F, pattern string, extra ...string) {
	paths, _ := filepath.Glob(pattern)
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, e := range extra {
		f.Add([]byte(e))
	}
}

func checkFailure(t *testing.T, err error) {
	if err != nil && AsProblems(err) == nil {
		t.Fatalf("error without located problems: %v", err)
	}
}

func FuzzDecodeApplicants(f *testing.F) {
	addSeeds(f, "../fixtures/*/applicants.geojson", fc(point(105.8, 21, goodApplicant)), `{"type":"FeatureCollection","features":[{]}`, "",
		fc(point(105.8, 21, "{\"id\":\"A\xff\",\"level\":\"grade1\",\"birth_year\":2020,\"residence\":\"permanent\"}")))
	f.Fuzz(func(t *testing.T, data []byte) {
		apps, err := DecodeApplicants("f", data)
		checkFailure(t, err)
		seen := map[string]bool{}
		for _, a := range apps {
			if a.ID == "" || seen[a.ID] || int(a.Level) >= NumLevels || a.Loc[1] < -90 || a.Loc[1] > 90 || a.Loc[0] < -180 || a.Loc[0] > 180 ||
				!allUTF8(append([]string{a.ID, a.Priority, a.PrimarySchool}, a.Preferences...)) {
				t.Fatalf("accepted an applicant that breaks the contract: %+v", a)
			}
			seen[a.ID] = true
		}
	})
}

// FuzzApplicantFastPath checks that the fast path accepts nothing the
// property-by-property path rejects, and decodes it identically.
func FuzzApplicantFastPath(f *testing.F) {
	f.Add([]byte(point(105.8, 21, goodApplicant)))
	f.Add([]byte(point(105.8, 21, `{"id":"A1","level":"grade6","birth_year":2015,"residence":"temporary","priority":"g","disability":true,"preferences":["S1","S2"],"primary_school":"P"}`)))
	f.Add([]byte(point(105.8, 21, `{"ID":"A1","level":"grade1","birth_year":2020,"residence":"permanent"}`)))
	f.Add([]byte(point(105.8, 21, "{\"id\":\"A\xff\",\"level\":\"grade1\",\"birth_year\":2020,\"residence\":\"permanent\",\"preferences\":[\"\\ud800\"]}")))
	f.Fuzz(func(t *testing.T, raw []byte) {
		fast, ok := parseApplicantFast(0, raw)
		if !ok {
			return
		}
		var ps Problems
		slow, okSlow := parseOne("f", 0, json.RawMessage(raw), &ps, parseApplicant)
		if !okSlow || len(ps) > 0 {
			t.Fatalf("fast path accepted what the full check rejects: %v", ps)
		}
		fj, _ := json.Marshal(fast)
		sj, _ := json.Marshal(slow)
		if string(fj) != string(sj) {
			t.Fatalf("fast %s != slow %s", fj, sj)
		}
	})
}

func FuzzDecodeSchools(f *testing.F) {
	addSeeds(f, "../fixtures/*/schools.geojson", fc(point(105.8, 21, goodSchool)), fc(point(105.8, 21, `{"id":"S1","seats":{}}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		schools, err := DecodeSchools("f", data)
		checkFailure(t, err)
		for _, s := range schools {
			offers := false
			for _, l := range Levels() {
				if s.Seats[l] < 0 || s.Classes[l] < 0 {
					t.Fatalf("negative seats accepted: %+v", s)
				}
				offers = offers || s.Offers(l)
			}
			if !offers || !allUTF8(append([]string{s.ID, s.Name, s.Ward}, s.Feeder...)) {
				t.Fatalf("accepted a school that breaks the contract: %+v", s)
			}
		}
	})
}

func allUTF8(ss []string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

func FuzzDecodeAreas(f *testing.F) {
	addSeeds(f, "../fixtures/*/catchments.geojson")
	f.Add([]byte(fc(`{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]},"properties":{"code":"1"}}`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := DecodeWards("w", data)
		checkFailure(t, err)
		_, err = DecodeCatchments("c", data)
		checkFailure(t, err)
	})
}

// parseOne decodes one raw feature on the slow path and reports whether it
// is clean.
func parseOne[T any](file string, i int, raw json.RawMessage, ps *Problems, parse func(l *located, f *rawFeature) (T, bool)) (T, bool) {
	v, got := parseFeature(file, i, raw, ps, parse)
	return v, got == clean
}
