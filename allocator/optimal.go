package allocator

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/catchment/catchment/allocator/flow"
	"github.com/catchment/catchment/geo"
)

// Optimal mode: the most children placed, then the least total distance in
// integer metres, within seats, caps and eligibility, solved exactly by
// package flow over every eligible (child, school) pair within the cap.
// When the policy's priority order uses "priority", the policy groups are
// tiers: no child of a higher group is left unplaced, or its group made to
// travel farther in total, to seat a lower group. Children with a
// disability who take more than one place are placed first, in a stage of
// their own, as in stable mode; each stage is one flow problem.

// initialArcs is how many nearest schools start each child's arcs; pricing
// adds any other pair that can improve the solution.
const initialArcs = 12

// optStage is one stage's flow problem and its certified solution.
type optStage struct {
	apps []int32 // market applicants, in problem order
	sol  *flow.Solution
	tier []uint8
}

// runOptimal places the market's applicants by min-cost flow.
func (m *market) runOptimal(ctx context.Context, progress Progress) error {
	if m.pol.hasKey(KeyPriority) && len(m.pol.PriorityGroups)+1 > flow.MaxTiers {
		return fmt.Errorf("allocator: optimal mode ranks at most %d priority groups, the policy has %d", flow.MaxTiers-1, len(m.pol.PriorityGroups))
	}
	m.newOutcome()
	groups := m.stageGroups()
	m.seats[stageDisability] = m.disabilitySeats()
	first, err := m.solveStage(ctx, "optimal "+m.level.String()+" disability", groups[stageDisability], m.seats[stageDisability], progress)
	if err != nil {
		return err
	}
	admitted := make([]int32, len(m.places))
	for i, j := range first.sol.School {
		if j >= 0 {
			admitted[j]++
			m.settle(first.apps[i], j)
		}
	}
	m.seats[stageMain] = m.mainSeats(admitted)
	second, err := m.solveStage(ctx, "optimal "+m.level.String(), groups[stageMain], m.seats[stageMain], progress)
	if err != nil {
		return err
	}
	for i, j := range second.sol.School {
		if j >= 0 {
			m.settle(second.apps[i], j)
		}
	}
	m.opt = [2]*optStage{first, second}
	for ai := range m.apps {
		if m.placed[ai].school < 0 {
			m.listed[ai] = int32(len(m.index.Within(m.apps[ai].loc, m.capM, nil)))
		}
	}
	m.findLast()
	return nil
}

// solveStage solves one stage exactly; stage names it in progress reports
// and errors.
func (m *market) solveStage(ctx context.Context, stage string, apps []int32, seats []int32, progress Progress) (*optStage, error) {
	st := &optStage{apps: apps}
	if m.pol.hasKey(KeyPriority) {
		st.tier = make([]uint8, len(apps))
		for i, a := range apps {
			st.tier[i] = m.apps[a].group
		}
	}
	p := &flow.Problem{
		Applicants: len(apps),
		Capacity:   seats,
		Tier:       st.tier,
		Initial: func(i int, dst []flow.Arc) []flow.Arc {
			return appendArcs(dst, m.index.Nearest(m.apps[apps[i]].loc, initialArcs, m.capM, nil))
		},
		All: newArcCache(len(apps), func(i int, dst []geo.Candidate) []geo.Candidate {
			return m.index.Within(m.apps[apps[i]].loc, m.capM, dst)
		}).all,
	}
	var report func(string, int, int)
	if len(apps) > 0 { // an empty stage (no child takes extra places) is not worth a line
		report = func(s string, done, total int) { progress.Report(stage+" "+s, done, total) }
	}
	sol, err := flow.Solve(ctx, p, report)
	if err != nil {
		return nil, fmt.Errorf("allocator: %s: %w", stage, err)
	}
	st.sol = sol
	return st, nil
}

// arcCacheBudget bounds the arcs an arcCache keeps, 8 bytes each: every
// pair of a city's grade-1 cohort (about 18 million at 155,000 children)
// fits; beyond it the remaining children's pairs are searched again on each
// pricing pass.
const arcCacheBudget = 48 << 20

// arcCache answers flow's All callback: it searches a child's pairs once
// and keeps them, so the pricing passes and the certificate check do not
// repeat the R-tree search and the great-circle distances.
type arcCache struct {
	search func(i int, dst []geo.Candidate) []geo.Candidate
	arcs   [][]flow.Arc
	kept   atomic.Int64
	bufs   sync.Pool
}

func newArcCache(n int, search func(i int, dst []geo.Candidate) []geo.Candidate) *arcCache {
	return &arcCache{search: search, arcs: make([][]flow.Arc, n)}
}

// all appends child i's pairs to dst. Calls for different i may run
// concurrently (flow's passes); a pass completes before the next starts, so
// an entry written in one pass is only read in later ones.
func (c *arcCache) all(i int, dst []flow.Arc) []flow.Arc {
	if a := c.arcs[i]; a != nil {
		return append(dst, a...)
	}
	buf, _ := c.bufs.Get().(*[]geo.Candidate)
	if buf == nil {
		buf = new([]geo.Candidate)
	}
	*buf = c.search(i, (*buf)[:0])
	start := len(dst)
	dst = appendArcs(dst, *buf)
	c.bufs.Put(buf)
	if n := int64(len(dst) - start); c.kept.Add(n) <= arcCacheBudget {
		c.arcs[i] = append(make([]flow.Arc, 0, n), dst[start:]...)
	}
	return dst
}

func appendArcs(dst []flow.Arc, near []geo.Candidate) []flow.Arc {
	for _, c := range near {
		dst = append(dst, flow.Arc{School: c.Index, Cost: c.DistM})
	}
	return dst
}

// settle records an applicant's school and its rank on the applicant's
// list.
func (m *market) settle(a, school int32) {
	c := &m.apps[a]
	d := int32(geo.DistanceHaversine(c.loc, m.index.Point(int(school))))
	m.placed[a] = cand{school: school, distM: d}
	m.rank[a] = m.rankOf(c, school, d)
}

// rankOf returns the 1-based position of a school on the applicant's list
// (its usable preferences, then the other schools by (distance, id)),
// without building the whole list.
func (m *market) rankOf(c *candidateApp, school, d int32) int32 {
	prefs := m.preferred(c, nil)
	for i, p := range prefs {
		if p.school == school {
			return int32(i + 1)
		}
	}
	before := 0
	for _, x := range m.index.Within(c.loc, int(d), nil) {
		ahead := x.DistM < d || (x.DistM == d && x.Index < school)
		if ahead && !containsSchool(prefs, x.Index) {
			before++
		}
	}
	return int32(len(prefs) + before + 1)
}

func containsSchool(cs []cand, j int32) bool {
	for _, c := range cs {
		if c.school == j {
			return true
		}
	}
	return false
}
