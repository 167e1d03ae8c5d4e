package round

import (
	"fmt"

	"github.com/catchment/catchment/allocator"
	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
)

// Locator answers "which school does this address belong to" for one level
// of a round. An address belongs to the school of the nearest home whose
// child of that level was placed (ties by applicant id), provided that home
// lies within the level's distance cap of the address. The catchment of a
// school is therefore the union of the Voronoi cells of the homes it
// admitted: the maps draw exactly these areas. It is safe for concurrent
// use.
type Locator struct {
	Level  geo.Level
	capM   int
	index  *geo.PointIndex
	school []int32 // per indexed home: index into Result.Schools
	res    *allocator.Result
}

// Location is the answer for one address.
type Location struct {
	SchoolID string
	School   int32 // index into Result.Schools
	DistM    int   // from the address to the school, integer metres
	// HomeDistM is the distance from the address to the nearest placed
	// home, the one that decided the answer.
	HomeDistM int
}

// NewLocator indexes the homes of the level's placed applicants.
func NewLocator(r *allocator.Result, l geo.Level) *Locator {
	loc := &Locator{Level: l, capM: r.Policy.MaxDistanceM[l], res: r}
	var pts []orb.Point
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		if a.Level == l && p.Status == allocator.Assigned {
			pts = append(pts, a.Loc)
			loc.school = append(loc.school, p.School)
		}
	}
	loc.index = geo.NewPointIndex(pts)
	return loc
}

// Locate returns the school the address belongs to, or ok=false when no
// placed home of the level lies within the cap.
func (l *Locator) Locate(p orb.Point) (Location, bool) {
	var buf [1]geo.Candidate
	near := l.index.Nearest(p, 1, l.capM, buf[:0])
	if len(near) == 0 {
		return Location{}, false
	}
	si := l.school[near[0].Index]
	s := &l.res.Schools[si]
	return Location{SchoolID: s.ID, School: si, DistM: geo.DistanceHaversine(p, s.Loc), HomeDistM: int(near[0].DistM)}, true
}

// String describes the rule, for documentation and API answers.
func (l *Locator) String() string {
	return fmt.Sprintf("%s: the school of the nearest placed home within %d m", l.Level, l.capM)
}
