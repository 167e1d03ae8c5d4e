package geo

import (
	"fmt"
	"sort"
)

// DecodeWards reads wards.geojson: Polygon or MultiPolygon features with a
// unique "code" and an optional "name". The error, when not nil, is a
// Problems.
func DecodeWards(file string, data []byte) ([]Ward, error) {
	raws, ps := splitFeatures(file, data)
	if ps != nil {
		return nil, ps
	}
	wards, _, ps := parseFeatures(file, raws, nil, func(l *located, f *rawFeature) (Ward, bool) {
		w := Ward{Feature: l.feature}
		var okCode, okName, okGeom bool
		w.Code, okCode = featureID(l, f, "code")
		w.Name, _, okName = l.optString(f, "name")
		geom, okGeom := l.readGeometry(f, "Polygon", "MultiPolygon")
		w.Shape = asMultiPolygon(geom)
		return w, okCode && okName && okGeom
	})
	codes, at := make([]string, len(wards)), make([]int, len(wards))
	for i := range wards {
		codes[i], at[i] = wards[i].Code, wards[i].Feature
	}
	for _, p := range checkUniqueIDs(file, codes, at) {
		p.Property = "code"
		ps = append(ps, p)
	}
	if len(ps) > 0 {
		return nil, sortProblems(ps)
	}
	return wards, nil
}

// DecodeCatchments reads catchments.geojson: Polygon or MultiPolygon
// features with "school_id" and "level". A school may have one catchment
// per level; the error, when not nil, is a Problems.
func DecodeCatchments(file string, data []byte) ([]Catchment, error) {
	cs, ps := DecodeCatchmentsPartial(file, data)
	if len(ps) > 0 {
		return nil, ps
	}
	return cs, nil
}

// DecodeCatchmentsPartial reads catchments.geojson as DecodeCatchments
// does, but returns, beside every problem, every catchment feature as far
// as it decoded (a school_id that did not decode is ""), for checks across
// files; never allocate with them unless the problems are empty. They are
// nil only when the file could not be split into features.
func DecodeCatchmentsPartial(file string, data []byte) ([]Catchment, Problems) {
	raws, ps := splitFeatures(file, data)
	if ps != nil {
		return nil, ps
	}
	cs, got, ps := parseFeatures(file, raws, nil, func(l *located, f *rawFeature) (Catchment, bool) {
		c := Catchment{Feature: l.feature}
		var okID, okLevel, okGeom bool
		c.SchoolID, okID = l.reqString(f, "school_id")
		l.id = c.SchoolID
		c.Level, okLevel = l.level(f)
		geom, okGeom := l.readGeometry(f, "Polygon", "MultiPolygon")
		c.Shape = asMultiPolygon(geom)
		return c, okID && okLevel && okGeom
	})
	// A level that did not decode reads as the first level: only clean
	// catchments are compared.
	var keys []string
	var at []int
	for i := range cs {
		if got[i] == clean {
			keys, at = append(keys, cs[i].SchoolID+"\x00"+cs[i].Level.String()), append(at, cs[i].Feature)
		}
	}
	for _, p := range checkUniqueIDs(file, keys, at) {
		p.ID, p.Property = cs[indexOfFeature(cs, p.Feature)].SchoolID, "school_id"
		p.Msg = fmt.Sprintf("second catchment for this school and level (%s)", p.Msg)
		ps = append(ps, p)
	}
	return cs, sortProblems(ps)
}

func indexOfFeature(cs []Catchment, feature int) int {
	return sort.Search(len(cs), func(i int) bool { return cs[i].Feature >= feature })
}

// sortProblems orders problems by file, then feature, keeping the order of
// problems within one feature.
func sortProblems(ps Problems) Problems {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Feature < ps[j].Feature
	})
	return ps
}
