package maps

import (
	"encoding/json"
	"fmt"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// DecodeBoundary reads a city outline: a GeoJSON FeatureCollection,
// Feature or bare geometry of Polygon or MultiPolygon type; every polygon
// found is part of the outline.
func DecodeBoundary(data []byte) (orb.MultiPolygon, error) {
	geoms, err := decodeGeometries(data)
	if err != nil {
		return nil, err
	}
	var mp orb.MultiPolygon
	for i, g := range geoms {
		switch g := g.(type) {
		case orb.Polygon:
			mp = append(mp, g)
		case orb.MultiPolygon:
			mp = append(mp, g...)
		default:
			return nil, fmt.Errorf("maps: boundary: feature %d is a %s, want Polygon or MultiPolygon", i, g.GeoJSONType())
		}
	}
	if len(mp) == 0 {
		return nil, fmt.Errorf("maps: boundary: no polygon")
	}
	for i, p := range mp {
		for j, r := range p {
			if len(r) < 4 {
				return nil, fmt.Errorf("maps: boundary: polygon %d ring %d has %d positions, want 4 or more", i, j, len(r))
			}
		}
	}
	return mp, nil
}

// decodeGeometries returns the geometries of a FeatureCollection, a
// Feature or a bare geometry, in order; features without geometry are
// skipped.
func decodeGeometries(data []byte) ([]orb.Geometry, error) {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("maps: not GeoJSON: %w", err)
	}
	switch head.Type {
	case "FeatureCollection":
		fc, err := geojson.UnmarshalFeatureCollection(data)
		if err != nil {
			return nil, fmt.Errorf("maps: %w", err)
		}
		var out []orb.Geometry
		for _, f := range fc.Features {
			if f.Geometry != nil {
				out = append(out, f.Geometry)
			}
		}
		return out, nil
	case "Feature":
		f, err := geojson.UnmarshalFeature(data)
		if err != nil {
			return nil, fmt.Errorf("maps: %w", err)
		}
		if f.Geometry == nil {
			return nil, nil
		}
		return []orb.Geometry{f.Geometry}, nil
	default:
		g, err := geojson.UnmarshalGeometry(data)
		if err != nil {
			return nil, fmt.Errorf("maps: %w", err)
		}
		return []orb.Geometry{g.Geometry()}, nil
	}
}
