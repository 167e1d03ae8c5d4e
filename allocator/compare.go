package allocator

import (
	"context"
	"fmt"
	"sync/atomic"
)

// Comparison is what the stable allocation of one level costs against the
// optimal one: the price of stability. Distances are totals, in integer
// metres, over each allocation's placed children.
type Comparison struct {
	Level            string `json:"level"`
	StableAssigned   int    `json:"stable_assigned"`
	OptimalAssigned  int    `json:"optimal_assigned"`
	StableDistanceM  int64  `json:"stable_total_distance_m"`
	OptimalDistanceM int64  `json:"optimal_total_distance_m"`
	// ExtraDistanceM is StableDistanceM - OptimalDistanceM.
	ExtraDistanceM int64 `json:"stable_minus_optimal_distance_m"`
	// ChangedSchool counts children whose school differs between the two
	// (placed in one and not in the other included).
	ChangedSchool int `json:"children_changing_school"`
	// OptimalEnvyPairs counts (child, school) pairs of the optimal result
	// where the child ranks the school above its placement and the school
	// would take it under the stable rules: a free seat, or an admitted
	// child the school's priority order ranks lower. OptimalEnvyChildren
	// counts the children with at least one.
	OptimalEnvyPairs    int64 `json:"optimal_justified_envy_pairs"`
	OptimalEnvyChildren int   `json:"optimal_children_with_justified_envy"`
}

// Optimality reports the certificate of one level's optimal allocation.
type Optimality struct {
	Level        string `json:"level"`
	Verified     bool   `json:"verified"`
	PairsChecked int64  `json:"pairs_checked"`
	Rounds       int    `json:"pricing_rounds"`
}

// optimality collects the certificates of the result's optimal levels.
func (r *Result) optimality() []Optimality {
	var out []Optimality
	for _, l := range r.Levels {
		m := r.markets[l]
		if m == nil || m.opt[stageMain] == nil {
			continue
		}
		o := Optimality{Level: l.String(), Verified: true}
		for _, st := range m.opt {
			if st == nil || st.sol == nil {
				continue
			}
			c := st.sol.Certificate
			o.Verified = o.Verified && c.Verified
			o.PairsChecked += c.PairsChecked
			o.Rounds += c.Rounds
		}
		out = append(out, o)
	}
	return out
}

// compare computes, level by level, the price of stability of two results
// of the same input, one per mode.
func compare(ctx context.Context, stable, optimal *Result) ([]Comparison, error) {
	if stable.Mode != Stable || optimal.Mode != Optimal || len(stable.Applicants) != len(optimal.Applicants) {
		return nil, fmt.Errorf("allocator: compare needs a stable and an optimal result of the same input")
	}
	var out []Comparison
	for _, l := range stable.Levels {
		c := Comparison{Level: l.String()}
		for i := range stable.Applicants {
			if stable.Applicants[i].Level != l {
				continue
			}
			ps, po := &stable.Placements[i], &optimal.Placements[i]
			c.StableAssigned += countAssigned(ps)
			c.OptimalAssigned += countAssigned(po)
			c.StableDistanceM += int64(ps.DistM)
			c.OptimalDistanceM += int64(po.DistM)
			if ps.Status != po.Status || ps.School != po.School {
				c.ChangedSchool++
			}
		}
		c.ExtraDistanceM = c.StableDistanceM - c.OptimalDistanceM
		if m := optimal.markets[l]; m != nil {
			var err error
			if c.OptimalEnvyPairs, c.OptimalEnvyChildren, err = m.envyPairs(ctx); err != nil {
				return nil, err
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func countAssigned(p *Placement) int {
	if p.Status == Assigned {
		return 1
	}
	return 0
}

// envyPairs counts the justified-envy pairs of the market's outcome.
func (m *market) envyPairs(ctx context.Context) (int64, int, error) {
	var pairs, children atomic.Int64
	err := parallel(ctx, len(m.apps), nil, "", func(i int) {
		n := m.envyOf(int32(i))
		if n > 0 {
			pairs.Add(int64(n))
			children.Add(1)
		}
	})
	return pairs.Load(), int(children.Load()), err
}

// envyOf counts the schools ranked above an applicant's placement that
// would take it under the stable rules.
func (m *market) envyOf(ai int32) int {
	c := &m.apps[ai]
	pl := m.placed[ai]
	prefs := m.preferred(c, nil)
	n := 0
	for i, p := range prefs {
		if pl.school >= 0 && int32(i+1) >= m.rank[ai] {
			break
		}
		if m.envies(ai, p) {
			n++
		}
	}
	if pl.school >= 0 && int(m.rank[ai]) <= len(prefs) {
		return n // placed at a preference: nothing else ranks above it
	}
	radius := m.capM
	if pl.school >= 0 {
		radius = int(pl.distM)
	}
	for _, x := range m.index.Within(c.loc, radius, nil) {
		ahead := pl.school < 0 || x.DistM < pl.distM || (x.DistM == pl.distM && x.Index < pl.school)
		if ahead && !containsSchool(prefs, x.Index) && m.envies(ai, cand{school: x.Index, distM: x.DistM}) {
			n++
		}
	}
	return n
}

// otherMode returns the mode a comparison runs beside m.
func otherMode(m Mode) Mode {
	if m == Stable {
		return Optimal
	}
	return Stable
}
