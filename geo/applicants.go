package geo

import (
	"github.com/paulmach/orb"
)

// DecodeApplicants reads applicants.geojson. The error, when not nil, is a
// Problems listing every defect: malformed JSON, missing, duplicate or
// non-UTF-8 id, geometry other than a Point, coordinates out of range,
// unknown level, missing birth year, residence other than
// permanent/temporary, malformed priority, disability, preferences or
// primary_school (text that is not valid UTF-8 included).
func DecodeApplicants(file string, data []byte) ([]Applicant, error) {
	apps, ps := DecodeApplicantsPartial(file, data)
	if len(ps) > 0 {
		return nil, ps
	}
	return apps, nil
}

// DecodeApplicantsPartial reads applicants.geojson as DecodeApplicants
// does, but returns, beside every problem, every applicant feature as far
// as it decoded: a property with a problem keeps its zero value (no
// preferences, no priority). The applicants serve checks across files
// (preferences, priority groups) on files that have problems; never
// allocate with them unless the problems are empty. They are nil only when
// the file could not be split into features.
func DecodeApplicantsPartial(file string, data []byte) ([]Applicant, Problems) {
	raws, ps := splitFeatures(file, data)
	if ps != nil {
		return nil, ps
	}
	apps, _, ps := parseFeatures(file, raws, parseApplicantFast, parseApplicant)
	ids, at := make([]string, len(apps)), make([]int, len(apps))
	for i := range apps {
		ids[i], at[i] = apps[i].ID, apps[i].Feature
	}
	ps = append(ps, checkUniqueIDs(file, ids, at)...)
	return apps, sortProblems(ps)
}

// Plausible birth years; anything outside is a data error, not an age case.
const (
	minBirthYear = 1900
	maxBirthYear = 2200
)

func parseApplicant(l *located, f *rawFeature) (Applicant, bool) {
	a := Applicant{Feature: l.feature}
	var good [9]bool
	a.ID, good[0] = featureID(l, f, "id")
	var geom orb.Geometry
	geom, good[1] = l.readGeometry(f, "Point")
	if good[1] {
		a.Loc = geom.(orb.Point)
	}
	a.Level, good[2] = l.level(f)
	a.BirthYear, good[3] = l.reqInt(f, "birth_year")
	if good[3] && (a.BirthYear < minBirthYear || a.BirthYear > maxBirthYear) {
		l.add("birth_year", "%d is not a plausible birth year", a.BirthYear)
		good[3] = false
	}
	a.Residence, good[4] = l.residence(f)
	var present bool
	a.Priority, present, good[5] = l.optString(f, "priority")
	if good[5] && present && a.Priority == "" {
		l.add("priority", "empty string; omit the property for no priority")
		good[5] = false
	}
	a.Disability, good[6] = l.optBool(f, "disability")
	a.Preferences, good[7] = l.optStrings(f, "preferences")
	a.PrimarySchool, _, good[8] = l.optString(f, "primary_school")
	return a, allTrue(good[:])
}

func (l *located) level(f *rawFeature) (Level, bool) {
	s, ok := l.reqString(f, "level")
	if !ok {
		return 0, false
	}
	lv, err := ParseLevel(s)
	if err != nil {
		l.add("level", "unknown level %q (want preschool3, preschool4, preschool5, grade1 or grade6)", s)
		return 0, false
	}
	return lv, true
}

func (l *located) residence(f *rawFeature) (Residence, bool) {
	s, ok := l.reqString(f, "residence")
	if !ok {
		return 0, false
	}
	switch s {
	case "permanent":
		return Permanent, true
	case "temporary":
		return Temporary, true
	}
	l.add("residence", "%q, want \"permanent\" or \"temporary\"", s)
	return 0, false
}
