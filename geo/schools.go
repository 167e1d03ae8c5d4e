package geo

import (
	"github.com/paulmach/orb"
)

// DecodeSchools reads schools.geojson. file names the file in problems. The
// error, when not nil, is a Problems listing every defect found: malformed
// JSON, missing or duplicate id, wrong geometry type, coordinates out of
// range, unknown level, negative or non-integer seats or classes, a level
// given in both seats and classes, a school offering nothing.
func DecodeSchools(file string, data []byte) ([]School, error) {
	raws, ps := splitFeatures(file, data)
	if ps != nil {
		return nil, ps
	}
	schools, ps := parseFeatures(file, raws, nil, parseSchool)
	ids, at := make([]string, len(schools)), make([]int, len(schools))
	for i := range schools {
		ids[i], at[i] = schools[i].ID, schools[i].Feature
	}
	ps = append(ps, checkUniqueIDs(file, ids, at)...)
	if len(ps) > 0 {
		return nil, sortProblems(ps)
	}
	return schools, nil
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
	ok := allTrue(good[:]) && l.checkOffer(&s, seatsGiven, classesGiven)
	return s, ok
}

// checkOffer reports a school that offers no level, or gives one level both
// as seats and as classes.
func (l *located) checkOffer(s *School, seatsGiven, classesGiven bool) bool {
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
