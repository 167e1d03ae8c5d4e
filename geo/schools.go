package geo

import (
	"slices"

	"github.com/paulmach/orb"
)

// DecodeSchools reads schools.geojson. file names the file in problems. The
// error, when not nil, is a Problems listing every defect found: malformed
// JSON, missing, duplicate or non-UTF-8 id, wrong geometry type, coordinates
// out of range, unknown level, negative or non-integer seats or classes, a
// level given in both seats and classes, a school offering no level.
func DecodeSchools(file string, data []byte) ([]School, error) {
	schools, ps := DecodeSchoolsPartial(file, data)
	if len(ps) > 0 {
		return nil, ps
	}
	return schools, nil
}

// DecodeSchoolsPartial reads schools.geojson as DecodeSchools does, but
// returns, beside every problem, every school feature as far as it decoded:
// a property with a problem keeps its zero value (an id that did not decode
// is ""). The schools serve checks across files (which ids exist) on files
// that have problems; never allocate with them unless the problems are
// empty. They are nil only when the file could not be split into features.
func DecodeSchoolsPartial(file string, data []byte) ([]School, Problems) {
	raws, ps := splitFeatures(file, data)
	if ps != nil {
		return nil, ps
	}
	schools, _, ps := parseFeatures(file, raws, nil, parseSchool)
	ids, at := make([]string, len(schools)), make([]int, len(schools))
	for i := range schools {
		ids[i], at[i] = schools[i].ID, schools[i].Feature
	}
	ps = append(ps, checkUniqueIDs(file, ids, at)...)
	return schools, sortProblems(ps)
}

func parseSchool(l *located, f *rawFeature) (School, bool) {
	s := School{Feature: l.feature}
	var good [8]bool
	s.ID, good[0] = featureID(l, f, "id")
	geom, okGeom := l.readGeometry(f, "Point", "Polygon", "MultiPolygon")
	if okGeom {
		if p, isPoint := geom.(orb.Point); isPoint {
			s.Loc = p
		} else {
			s.Loc = InteriorPoint(asMultiPolygon(geom))
		}
	}
	good[1] = okGeom
	s.Name, _, good[2] = l.optString(f, "name")
	s.Ward, _, good[3] = l.optString(f, "ward")
	var seatsGiven, classesGiven bool
	s.Seats, s.HasSeats, seatsGiven, good[4] = l.optLevelCounts(f, "seats")
	s.Classes, s.HasClass, classesGiven, good[5] = l.optLevelCounts(f, "classes")
	s.Selective, good[6] = l.optBool(f, "selective")
	var okIncl, okFeeder bool
	s.Inclusive, okIncl = l.optBool(f, "inclusive")
	s.Feeder, okFeeder = l.optStrings(f, "feeder")
	good[7] = okIncl && okFeeder
	okOffer := l.checkOffer(&s, seatsGiven, classesGiven, good[4] && good[5])
	return s, allTrue(good[:]) && okOffer
}

// checkOffer reports a school that offers no level, or gives one level both
// as seats and as classes. countsOK tells that seats and classes decoded
// without a problem: only then does an empty object mean "no level".
func (l *located) checkOffer(s *School, seatsGiven, classesGiven, countsOK bool) bool {
	if !seatsGiven && !classesGiven {
		l.add("seats", "missing: give \"seats\" (level -> seats) or \"classes\" (level -> classes)")
		return false
	}
	for _, lv := range Levels() {
		if s.HasSeats[lv] && s.HasClass[lv] {
			l.add("classes", "%s is given both in seats and in classes; give one", lv)
			return false
		}
	}
	if countsOK && !slices.Contains(s.HasSeats[:], true) && !slices.Contains(s.HasClass[:], true) {
		property := "seats"
		if !seatsGiven {
			property = "classes"
		}
		l.add(property, "lists no level: want at least one level, e.g. {\"grade1\": 35} (0 seats is allowed)")
		return false
	}
	return true
}

func allTrue(bs []bool) bool {
	for _, b := range bs {
		if !b {
			return false
		}
	}
	return true
}
