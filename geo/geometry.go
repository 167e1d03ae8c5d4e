package geo

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

type rawGeometry struct {
	Type        string          `json:"type"`
	Coordinates json.RawMessage `json:"coordinates"`
}

// readGeometry decodes a feature's geometry when its type is one of allowed
// ("Point", "Polygon", "MultiPolygon") and checks every position: two or
// more numbers, longitude within [-180, 180], latitude within [-90, 90];
// rings with four or more positions, closed.
func (l *located) readGeometry(f *rawFeature, allowed ...string) (orb.Geometry, bool) {
	if isNull(f.Geometry) {
		l.add("geometry", "missing (want %s)", joinOr(allowed))
		return nil, false
	}
	var g rawGeometry
	if err := json.Unmarshal(f.Geometry, &g); err != nil {
		l.add("geometry", "malformed: %v", err)
		return nil, false
	}
	if !slices.Contains(allowed, g.Type) {
		l.add("geometry", "type %q, want %s", g.Type, joinOr(allowed))
		return nil, false
	}
	var err error
	var geom orb.Geometry
	switch g.Type {
	case "Point":
		geom, err = decodePoint(g.Coordinates)
	case "Polygon":
		geom, err = decodePolygon(g.Coordinates)
	case "MultiPolygon":
		geom, err = decodeMultiPolygon(g.Coordinates)
	}
	if err != nil {
		l.add("geometry", "%v", err)
		return nil, false
	}
	return geom, true
}

func decodePoint(raw json.RawMessage) (orb.Point, error) {
	var pos []float64
	if err := json.Unmarshal(raw, &pos); err != nil {
		return orb.Point{}, fmt.Errorf("Point coordinates: want [lon, lat], got %s", clip(raw))
	}
	return position(pos)
}

func position(pos []float64) (orb.Point, error) {
	if len(pos) < 2 {
		return orb.Point{}, fmt.Errorf("position has %d number(s), want [lon, lat]", len(pos))
	}
	lon, lat := pos[0], pos[1]
	if math.IsNaN(lon) || math.IsNaN(lat) || lon < -180 || lon > 180 || lat < -90 || lat > 90 {
		return orb.Point{}, fmt.Errorf("position [%v, %v] out of range (lon within [-180, 180], lat within [-90, 90])", lon, lat)
	}
	return orb.Point{lon, lat}, nil
}

func decodePolygon(raw json.RawMessage) (orb.Polygon, error) {
	var rings [][][]float64
	if err := json.Unmarshal(raw, &rings); err != nil {
		return nil, fmt.Errorf("Polygon coordinates: want an array of rings, got %s", clip(raw))
	}
	return polygon(rings)
}

func decodeMultiPolygon(raw json.RawMessage) (orb.MultiPolygon, error) {
	var polys [][][][]float64
	if err := json.Unmarshal(raw, &polys); err != nil {
		return nil, fmt.Errorf("MultiPolygon coordinates: want an array of polygons, got %s", clip(raw))
	}
	if len(polys) == 0 {
		return nil, fmt.Errorf("MultiPolygon has no polygons")
	}
	mp := make(orb.MultiPolygon, len(polys))
	for i, rings := range polys {
		p, err := polygon(rings)
		if err != nil {
			return nil, fmt.Errorf("polygon %d: %w", i, err)
		}
		mp[i] = p
	}
	return mp, nil
}

func polygon(rings [][][]float64) (orb.Polygon, error) {
	if len(rings) == 0 {
		return nil, fmt.Errorf("polygon has no rings")
	}
	p := make(orb.Polygon, len(rings))
	for i, ring := range rings {
		if len(ring) < 4 {
			return nil, fmt.Errorf("ring %d has %d positions, want 4 or more", i, len(ring))
		}
		r := make(orb.Ring, len(ring))
		for j, pos := range ring {
			pt, err := position(pos)
			if err != nil {
				return nil, fmt.Errorf("ring %d position %d: %w", i, j, err)
			}
			r[j] = pt
		}
		if r[0] != r[len(r)-1] {
			return nil, fmt.Errorf("ring %d is not closed (first and last positions differ)", i)
		}
		p[i] = r
	}
	return p, nil
}

// asMultiPolygon returns a Polygon or MultiPolygon as a MultiPolygon.
func asMultiPolygon(g orb.Geometry) orb.MultiPolygon {
	switch g := g.(type) {
	case orb.Polygon:
		return orb.MultiPolygon{g}
	case orb.MultiPolygon:
		return g
	}
	return nil
}

// InteriorPoint returns a point inside the area: the centroid of the
// largest polygon when it lies inside, otherwise the middle of the widest
// span of the largest polygon along the horizontal line through its
// bounding box's centre. Used to place a school given as a polygon.
func InteriorPoint(mp orb.MultiPolygon) orb.Point {
	if len(mp) == 0 {
		return orb.Point{}
	}
	largest := mp[0]
	for _, p := range mp[1:] {
		if math.Abs(planar.Area(p)) > math.Abs(planar.Area(largest)) {
			largest = p
		}
	}
	if c, _ := planar.CentroidArea(largest); planar.PolygonContains(largest, c) {
		return c
	}
	y := largest.Bound().Center()[1]
	xs := crossings(largest, y)
	best, bestW := largest[0][0], -1.0
	for i := 0; i+1 < len(xs); i += 2 {
		if w := xs[i+1] - xs[i]; w > bestW {
			best, bestW = orb.Point{(xs[i] + xs[i+1]) / 2, y}, w
		}
	}
	return best
}

// crossings returns the sorted x coordinates where the horizontal line at y
// crosses the polygon's edges.
func crossings(p orb.Polygon, y float64) []float64 {
	var xs []float64
	for _, r := range p {
		for i := 0; i+1 < len(r); i++ {
			a, b := r[i], r[i+1]
			if (a[1] <= y) != (b[1] <= y) {
				xs = append(xs, a[0]+(y-a[1])*(b[0]-a[0])/(b[1]-a[1]))
			}
		}
	}
	sort.Float64s(xs)
	return xs
}

func joinOr(types []string) string {
	switch len(types) {
	case 1:
		return types[0]
	case 2:
		return types[0] + " or " + types[1]
	}
	s := ""
	for i, t := range types {
		switch {
		case i == len(types)-1:
			s += ", or " + t
		case i > 0:
			s += ", " + t
		default:
			s += t
		}
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
