package allocator

import (
	"context"
	"runtime"
	"slices"
	"sync"

	"github.com/catchment/catchment/geo"
	"github.com/paulmach/orb"
)

// market is one level's allocation problem: the schools that offer the
// level through residence allocation and the eligible applicants.
type market struct {
	level  geo.Level
	pol    *Policy
	capM   int
	offers []int32          // offer index (into Result.Offers) of each local school, in school id order
	places []int32          // intake places of each local school
	byID   map[string]int32 // school id -> local school
	ids    []string         // local school -> id
	index  *geo.PointIndex  // local schools
	feeder []map[string]bool
	// inclusive marks the local schools that take children with a
	// disability with support; nil when none does.
	inclusive []bool
	apps      []candidateApp // eligible applicants, in id order
	weight    int32          // places a child with a disability takes

	// The outcome, filled by the mode's algorithm.
	placed   []cand       // per applicant: its school and distance; school -1 when unassigned
	rank     []int32      // per applicant: 1-based rank of its school on its list, 0 when unassigned
	listed   []int32      // per unassigned applicant: schools within the cap, all full
	seats    [2][]int32   // per stage, per school: seats
	last     [2][]int32   // per stage, per school: the admitted applicant ranked last, or -1
	admitted [2][]int32   // per stage, per school: children admitted
	opt      [2]*optStage // optimal mode: each stage's solution, for explanations
}

// candidateApp is an eligible applicant with the data its priority keys
// and its list of schools need.
type candidateApp struct {
	global   int32 // index into Result.Applicants
	loc      orb.Point
	group    uint8 // priority group rank; len(groups) for none
	temp     bool
	disab    bool
	lottery  uint64
	primary  string
	prefs    []string      // the family's preferences, then (a child with a disability) the inclusive schools within the cap
	inCatch  []int32       // local schools whose catchment contains the home
	list     []cand        // the applicant's schools, generated lazily
	full     bool          // list holds every school within the cap
	listed   int32         // length of the full list, kept when an exhausted list is dropped
	reach    geo.Candidate // the last school listed by distance, when reached
	reached  bool
	searched int32 // radius, in metres, within which every school is listed
}

// cand is a school on an applicant's list.
type cand struct {
	school int32 // local school
	distM  int32
}

// firstListLen is how many nearest schools an applicant's list starts with;
// the rest is generated only for applicants rejected by all of them.
const firstListLen = 6

// newMarket gathers the level's schools (offering it, not selective, with
// places) and its eligible applicants, and builds the first part of every
// applicant's list.
func (r *Result) newMarket(ctx context.Context, l geo.Level, eligible []int32, cats []geo.Catchment, progress Progress) (*market, error) {
	m := &market{level: l, pol: &r.Policy, capM: r.Policy.MaxDistanceM[l], byID: map[string]int32{}}
	m.weight = 1
	if red := r.Policy.DisabilityClassReduction[l]; red > 0 {
		m.weight = int32(1 + red)
	}
	var pts []orb.Point
	for oi := range r.Offers {
		o := &r.Offers[oi]
		if o.Level != l || o.Seats == 0 {
			continue
		}
		s := &r.Schools[o.School]
		m.byID[s.ID] = int32(len(m.offers))
		m.ids = append(m.ids, s.ID)
		m.offers = append(m.offers, int32(oi))
		m.places = append(m.places, int32(o.Seats))
		pts = append(pts, s.Loc)
		m.feeder = append(m.feeder, feederSet(s.Feeder))
		m.inclusive = append(m.inclusive, s.Inclusive)
	}
	if !slices.Contains(m.inclusive, true) {
		m.inclusive = nil
	}
	m.index = geo.NewPointIndex(pts)
	catchAreas, catchSchool := m.catchments(cats)
	m.apps = make([]candidateApp, len(eligible))
	return m, parallel(ctx, len(eligible), progress, "lists "+l.String(), func(i int) {
		m.apps[i] = m.newApp(r, eligible[i], catchAreas, catchSchool)
	})
}

func feederSet(ids []string) map[string]bool {
	if len(ids) == 0 {
		return nil
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	return set
}

// catchments indexes the level's published routes of schools in the market.
func (m *market) catchments(cats []geo.Catchment) (*geo.AreaIndex, []int32) {
	var shapes []orb.MultiPolygon
	var schools []int32
	for i := range cats {
		if cats[i].Level != m.level {
			continue
		}
		if j, ok := m.byID[cats[i].SchoolID]; ok {
			shapes = append(shapes, cats[i].Shape)
			schools = append(schools, j)
		}
	}
	if len(shapes) == 0 {
		return nil, nil
	}
	return geo.NewAreaIndex(shapes), schools
}

func (m *market) newApp(r *Result, gi int32, catchAreas *geo.AreaIndex, catchSchool []int32) candidateApp {
	a := &r.Applicants[gi]
	rank, _ := r.Policy.groupRank(a.Priority)
	c := candidateApp{global: gi, loc: a.Loc, group: uint8(rank), temp: a.Residence == geo.Temporary,
		disab: a.Disability, lottery: r.Placements[gi].Lottery, primary: a.PrimarySchool, prefs: a.Preferences}
	if c.disab && m.inclusive != nil {
		c.prefs = m.withInclusive(c.loc, c.prefs)
	}
	if catchAreas != nil {
		for _, ci := range catchAreas.Containing(a.Loc, nil) {
			c.inCatch = append(c.inCatch, catchSchool[ci])
		}
		slices.Sort(c.inCatch)
	}
	c.list, c.full = m.buildList(&c, firstListLen, nil)
	return c
}

// withInclusive returns the preferences of a child with a disability
// followed by the inclusive schools within the cap that they do not name,
// by (distance, id): such a child is offered the schools that can support
// it before the others.
func (m *market) withInclusive(loc orb.Point, prefs []string) []string {
	out := slices.Clip(prefs)
	for _, x := range m.index.Within(loc, m.capM, nil) {
		if id := m.idOf(x.Index); m.inclusive[x.Index] && !slices.Contains(prefs, id) {
			out = append(out, id)
		}
	}
	return out
}

// buildList returns the applicant's list: its preferences (see
// candidateApp.prefs) that the market holds within the cap, in order, then
// the nearest n schools within the cap by (distance, id) (all of them when
// n < 0), and whether the list is complete. A longer list always begins
// with a shorter one.
func (m *market) buildList(c *candidateApp, n int, dst []cand) ([]cand, bool) {
	dst = m.preferred(c, dst)
	var near []geo.Candidate
	complete := n < 0
	if complete {
		near = m.index.Within(c.loc, m.capM, nil)
	} else {
		near = m.index.Nearest(c.loc, n, m.capM, nil)
		complete = len(near) < n
	}
	return m.appendNear(c, dst, near), complete
}

// preferred appends the applicant's preferences that the market holds
// within the cap, in its order.
func (m *market) preferred(c *candidateApp, dst []cand) []cand {
	for _, id := range c.prefs {
		j, ok := m.byID[id]
		if !ok {
			continue
		}
		d := geo.DistanceHaversine(c.loc, m.index.Point(int(j)))
		if d <= m.capM {
			dst = append(dst, cand{school: j, distM: int32(d)})
		}
	}
	return dst
}

// appendNear appends the schools of near that are not preferences, and
// remembers the last one as how far the list reaches.
func (m *market) appendNear(c *candidateApp, dst []cand, near []geo.Candidate) []cand {
	for _, nc := range near {
		if !slices.Contains(c.prefs, m.idOf(nc.Index)) {
			dst = append(dst, cand{school: nc.Index, distM: nc.DistM})
		}
	}
	if len(near) > 0 {
		c.reach, c.reached = near[len(near)-1], true
		c.searched = max(c.searched, c.reach.DistM)
	}
	return dst
}

// idOf returns the id of a local school.
func (m *market) idOf(j int32) string { return m.ids[j] }

// extend lengthens the applicant's list, keeping its order, and reports
// whether it grew: it doubles the radius searched (at least firstExtendM, at
// most the cap, so it ends) and appends the schools beyond the last one
// listed, in (distance, id) order.
func (m *market) extend(c *candidateApp) bool {
	for !c.full {
		r := m.capM
		if c.reached {
			r = min(m.capM, max(2*int(c.searched), firstExtendM))
		}
		near := m.index.Within(c.loc, r, nil)
		c.full, c.searched = r == m.capM, int32(r)
		if c.reached {
			near = near[afterReach(near, c.reach):]
		}
		n := len(c.list)
		c.list = m.appendNear(c, c.list, near)
		if len(c.list) > n {
			return true
		}
	}
	return false
}

// firstExtendM is the smallest radius an extended list reaches.
const firstExtendM = 1000

// afterReach returns the position in near of the first school ranked after
// reach by (distance, position).
func afterReach(near []geo.Candidate, reach geo.Candidate) int {
	i, _ := slices.BinarySearchFunc(near, reach, func(a, b geo.Candidate) int {
		if a.DistM != b.DistM {
			return int(a.DistM - b.DistM)
		}
		return int(a.Index - b.Index)
	})
	if i < len(near) && near[i] == reach {
		i++
	}
	return i
}

// parallel runs fn(i) for i in [0, n) on all cores, reporting progress and
// stopping early when ctx is done.
func parallel(ctx context.Context, n int, progress Progress, stage string, fn func(i int)) error {
	workers := runtime.GOMAXPROCS(0)
	const block = 4096
	var next, done int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				mu.Lock()
				lo := next
				next += block
				mu.Unlock()
				if lo >= int64(n) {
					return
				}
				hi := min(lo+block, int64(n))
				for i := lo; i < hi; i++ {
					fn(int(i))
				}
				mu.Lock()
				done += hi - lo
				progress.Report(stage, int(done), n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return ctx.Err()
}
