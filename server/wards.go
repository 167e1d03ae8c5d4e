package server

import (
	"cmp"
	"slices"

	"github.com/catchment/catchment/geo"
	"github.com/catchment/catchment/round"
	"github.com/paulmach/orb"
)

// wardAreas attributes places of a round to wards the way summary.json
// does: schools by their ward property, else by point in the ward polygon
// (the first ward by code that contains it).
type wardAreas struct {
	wards      []geo.Ward     // the dataset's wards, by code
	index      *geo.AreaIndex // nil without a wards file
	schoolWard []string       // per Result.Schools index; "" when in no ward
	names      map[string]string
}

func newWardAreas(rd *round.Round) *wardAreas {
	w := &wardAreas{names: map[string]string{}}
	if rd.Dataset != nil && len(rd.Dataset.Wards) > 0 {
		w.wards = slices.Clone(rd.Dataset.Wards)
		slices.SortFunc(w.wards, func(a, b geo.Ward) int { return cmp.Compare(a.Code, b.Code) })
		shapes := make([]orb.MultiPolygon, len(w.wards))
		for i, ward := range w.wards {
			shapes[i] = ward.Shape
			w.names[ward.Code] = ward.Name
		}
		w.index = geo.NewAreaIndex(shapes)
	}
	schools := rd.Result.Schools
	w.schoolWard = make([]string, len(schools))
	for i := range schools {
		w.schoolWard[i] = w.attribute(&schools[i])
		if _, ok := w.names[w.schoolWard[i]]; !ok && w.schoolWard[i] != "" {
			w.names[w.schoolWard[i]] = ""
		}
	}
	return w
}

func (w *wardAreas) attribute(s *geo.School) string {
	if s.Ward != "" || w.index == nil {
		return s.Ward
	}
	if i := w.index.First(s.Loc); i >= 0 {
		return w.wards[i].Code
	}
	return ""
}

// inside reports whether the point lies in the ward's polygon; ok is false
// when the round has no polygon for the ward.
func (w *wardAreas) inside(code string, p orb.Point) (in, ok bool) {
	i, found := slices.BinarySearchFunc(w.wards, code, func(a geo.Ward, c string) int { return cmp.Compare(a.Code, c) })
	if w.index == nil || !found {
		return false, false
	}
	var buf [4]int32
	return slices.Contains(w.index.Containing(p, buf[:0]), int32(i)), true
}
