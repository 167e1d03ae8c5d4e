package seeds

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
	"github.com/stretchr/testify/require"
)

// smallConfig is the city most tests use: the default density of
// applicants per school, at a twentieth of the size.
func smallConfig() Config {
	return Config{Seed: 2026, Year: 2026, Applicants: 20_000, SchoolsPerLevel: 50, Wards: 40}
}

// generated is a city generated once and written to a directory.
type generated struct {
	city *City
	dir  string
	fcs  map[string]*geojson.FeatureCollection
}

var (
	smallOnce sync.Once
	small     generated
	smallErr  error
)

// smallCity returns the small city, generated, written and decoded once.
func smallCity(t *testing.T) *generated {
	t.Helper()
	smallOnce.Do(func() {
		small.city, smallErr = Generate(smallConfig(), nil)
		if smallErr != nil {
			return
		}
		small.dir, smallErr = os.MkdirTemp("", "seeds-test-")
		if smallErr != nil {
			return
		}
		if smallErr = small.city.WriteDir(small.dir, nil); smallErr != nil {
			return
		}
		small.fcs = map[string]*geojson.FeatureCollection{}
		for _, name := range FileNames() {
			if filepath.Ext(name) != ".geojson" {
				continue
			}
			var raw []byte
			if raw, smallErr = os.ReadFile(filepath.Join(small.dir, name)); smallErr != nil {
				return
			}
			if small.fcs[name], smallErr = geojson.UnmarshalFeatureCollection(raw); smallErr != nil {
				return
			}
		}
	})
	require.NoError(t, smallErr)
	return &small
}

func TestMain(m *testing.M) {
	code := m.Run()
	if small.dir != "" {
		os.RemoveAll(small.dir)
	}
	os.Exit(code)
}

// wardPolygons returns the decoded wards by code, in file order.
func wardPolygons(t *testing.T, g *generated) (codes []string, polys []orb.Polygon) {
	t.Helper()
	for i, f := range g.fcs["wards.geojson"].Features {
		poly, ok := f.Geometry.(orb.Polygon)
		require.Truef(t, ok, "ward %d is a %T", i, f.Geometry)
		codes = append(codes, f.Properties.MustString("code"))
		polys = append(polys, poly)
	}
	return codes, polys
}

// wardsContaining returns the codes of the wards whose polygon holds p.
func wardsContaining(codes []string, polys []orb.Polygon, p orb.Point) []string {
	var out []string
	for i, poly := range polys {
		if planar.PolygonContains(poly, p) {
			out = append(out, codes[i])
		}
	}
	return out
}

// riverPolygon returns the decoded river band.
func riverPolygon(t *testing.T, g *generated) orb.Polygon {
	t.Helper()
	for _, f := range g.fcs["rivers.geojson"].Features {
		if p, ok := f.Geometry.(orb.Polygon); ok {
			return p
		}
	}
	t.Fatal("rivers.geojson has no Polygon")
	return nil
}

// boundaryPolygon returns the decoded city outline.
func boundaryPolygon(t *testing.T, g *generated) orb.Polygon {
	t.Helper()
	fc := g.fcs["boundary.geojson"]
	require.Len(t, fc.Features, 1)
	p, ok := fc.Features[0].Geometry.(orb.Polygon)
	require.True(t, ok)
	return p
}

// schoolsByID returns the decoded school features by id.
func schoolsByID(t *testing.T, g *generated) map[string]*geojson.Feature {
	t.Helper()
	out := map[string]*geojson.Feature{}
	for _, f := range g.fcs["schools.geojson"].Features {
		id := f.Properties.MustString("id")
		require.NotContains(t, out, id, "duplicate school id")
		out[id] = f
	}
	return out
}

// offeredLevels returns the level codes of a school feature's seats or
// classes object.
func offeredLevels(f *geojson.Feature) map[string]float64 {
	obj, ok := f.Properties["seats"].(map[string]any)
	if !ok {
		obj, _ = f.Properties["classes"].(map[string]any)
	}
	out := map[string]float64{}
	for k, v := range obj {
		n, _ := v.(float64)
		out[k] = n
	}
	return out
}
