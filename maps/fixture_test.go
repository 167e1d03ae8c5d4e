package maps

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// The fixtures live in a local plane: x metres east and y metres north of
// lon 105.8, lat 21.0.
const lon0, lat0 = 105.8, 21.0

func at(x, y float64) orb.Point {
	return orb.Point{lon0 + x/(metresPerDegreeLat*math.Cos(lat0*math.Pi/180)), lat0 + y/metresPerDegreeLat}
}

func square(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1), at(x0, y0)}}
}

// fixtureHome is a placed (or, with school -1, unplaced) grade 1 home.
type fixtureHome struct {
	x, y   float64
	school int32 // index into the fixture's schools; -1: not placed
}

// fixtureSchool is a school offering grade 1.
type fixtureSchool struct {
	id, ward string
	x, y     float64
	seats    int
}

// fixtureResult builds the allocation result the homes describe, as the
// allocator would lay it out: schools and applicants in id order, one
// grade 1 offer per school with its counts and cutoff (the last home
// listed for it).
func fixtureResult(schools []fixtureSchool, homes []fixtureHome, capM int) *allocator.Result {
	var gs []geo.School
	for _, s := range schools {
		g := geo.School{ID: s.id, Name: "Trường Tiểu học " + s.id, Ward: s.ward, Loc: at(s.x, s.y)}
		g.Seats[geo.Grade1], g.HasSeats[geo.Grade1] = s.seats, true
		gs = append(gs, g)
	}
	pts, owners := make([]orb.Point, len(homes)), make([]string, len(homes))
	for k, h := range homes {
		pts[k] = at(h.x, h.y)
		if h.school >= 0 {
			owners[k] = schools[h.school].id
		}
	}
	return resultOf(gs, pts, owners, capM)
}

// resultOf builds a grade 1 result from schools (offering grade 1) and
// homes placed at the school of the given id ("" for unplaced).
func resultOf(schools []geo.School, homes []orb.Point, owners []string, capM int) *allocator.Result {
	r := &allocator.Result{Year: 2026, Seed: "fixture", Mode: allocator.Stable, Policy: allocator.DefaultPolicy(), Levels: []geo.Level{geo.Grade1}}
	r.Policy.MaxDistanceM[geo.Grade1] = capM
	r.Schools = slices.Clone(schools)
	slices.SortFunc(r.Schools, func(a, b geo.School) int { return compareStrings(a.ID, b.ID) })
	index := map[string]int32{}
	for i, s := range r.Schools {
		index[s.ID] = int32(i)
		r.Offers = append(r.Offers, allocator.Offer{School: int32(i), Level: geo.Grade1, Seats: s.Seats[geo.Grade1], Cutoff: -1})
	}
	for k, h := range homes {
		a := geo.Applicant{ID: fmt.Sprintf("A%05d", k), Loc: h, Level: geo.Grade1, BirthYear: 2020}
		p := allocator.Placement{Status: allocator.Unassigned, School: -1}
		if owners[k] != "" {
			si := index[owners[k]]
			p = allocator.Placement{Status: allocator.Assigned, School: si, DistM: int32(geo.DistanceHaversine(a.Loc, r.Schools[si].Loc)), ChoiceRank: 1}
			o := &r.Offers[si]
			o.Assigned++
			o.PlacesUsed++
			o.Cutoff, o.CutoffDistM = int32(k), p.DistM
		}
		p.Lottery = allocator.Lottery(r.Seed, a.ID)
		r.Applicants = append(r.Applicants, a)
		r.Placements = append(r.Placements, p)
	}
	return r
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// gridHomes returns homes every step metres over [0, size)², centred in
// their step, each given to the school owner returns.
func gridHomes(size, step float64, owner func(x, y float64) int32) []fixtureHome {
	var hs []fixtureHome
	for y := step / 2; y < size; y += step {
		for x := step / 2; x < size; x += step {
			hs = append(hs, fixtureHome{x, y, owner(x, y)})
		}
	}
	return hs
}

func catchmentOf(t *testing.T, s *Set, id string) *Catchment {
	t.Helper()
	for i := range s.Catchments {
		if s.Catchments[i].SchoolID == id {
			return &s.Catchments[i]
		}
	}
	t.Fatalf("no catchment for %s", id)
	return nil
}

func problemKinds(s *Set, id string) []string {
	var out []string
	for _, p := range s.Problems {
		if p.SchoolID == id {
			out = append(out, p.Kind)
		}
	}
	return out
}

func contains(c *Catchment, x, y float64) bool { return planar.MultiPolygonContains(c.Shape, at(x, y)) }
