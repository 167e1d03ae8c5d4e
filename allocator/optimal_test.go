package allocator

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/catchment/catchment/geo"
	"github.com/stretchr/testify/require"
)

// objective is an allocation's value under the optimal mode's definition,
// per stage: for each tier from the highest, (-placed, total distance).
// Lower is better, compared lexicographically.
type objective []int64

func (o *oracle) tier(a *geo.Applicant) int {
	if !slices.Contains(o.in.Policy.PriorityOrder, KeyPriority) {
		return 0
	}
	if a.Priority == "" {
		return len(o.in.Policy.PriorityGroups)
	}
	return slices.Index(o.in.Policy.PriorityGroups, a.Priority)
}

// stageObjective evaluates placements (school id or "" per applicant) of
// one stage's applicants.
func (o *oracle) stageObjective(apps []*geo.Applicant, school []string) objective {
	obj := make(objective, 2*(len(o.in.Policy.PriorityGroups)+1))
	for i, a := range apps {
		if school[i] == "" {
			continue
		}
		t := o.tier(a)
		obj[2*t]--
		obj[2*t+1] += int64(geo.DistanceHaversine(a.Loc, o.schools[school[i]].Loc))
	}
	return obj
}

// bestStage enumerates every assignment of apps within the seats and
// returns the best objective and one assignment reaching it.
func (o *oracle) bestStage(apps []*geo.Applicant, seats map[string]int) (objective, []string) {
	lists := make([][]string, len(apps))
	for i, a := range apps {
		lists[i] = []string{""}
		for _, c := range o.list(a) {
			lists[i] = append(lists[i], c.id)
		}
	}
	var best objective
	var bestAssign []string
	cur := make([]string, len(apps))
	used := map[string]int{}
	var walk func(i int)
	walk = func(i int) {
		if i == len(apps) {
			obj := o.stageObjective(apps, cur)
			if best == nil || slices.Compare(obj, best) < 0 {
				best, bestAssign = obj, slices.Clone(cur)
			}
			return
		}
		for _, s := range lists[i] {
			if s != "" && used[s] >= seats[s] {
				continue
			}
			cur[i] = s
			used[s]++
			walk(i + 1)
			used[s]--
		}
	}
	walk(0)
	return best, bestAssign
}

// optimalObjectives returns the oracle's best objective per level and
// stage (by exhaustive search), and the engine result's objective for the
// same.
func (o *oracle) optimalObjectives(r *Result, l geo.Level) (want, got [2]objective) {
	return o.objectives(r, l, true)
}

// objectives returns the result's objective per stage and, when search is
// set, the best one by exhaustive search.
func (o *oracle) objectives(r *Result, l geo.Level, search bool) (want, got [2]objective) {
	var apps [2][]*geo.Applicant
	var placed [2][]string
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		if a.Level != l || p.Status == Ineligible {
			continue
		}
		st := stageMain
		if o.staged(l) && a.Disability {
			st = stageDisability
		}
		apps[st] = append(apps[st], a)
		s := ""
		if p.Status == Assigned {
			s = r.Schools[p.School].ID
		}
		placed[st] = append(placed[st], s)
	}
	seats := map[string]int{}
	weight := 1 + o.in.Policy.DisabilityClassReduction[l]
	for i := range o.in.Schools {
		s := &o.in.Schools[i]
		if o.usable(s, l) {
			seats[s.ID] = o.places(s, l)
			if o.staged(l) {
				seats[s.ID] /= weight
			}
		}
	}
	if search {
		want[stageDisability], _ = o.bestStage(apps[stageDisability], seats)
	}
	got[stageDisability] = o.stageObjective(apps[stageDisability], placed[stageDisability])
	for i := range o.in.Schools {
		s := &o.in.Schools[i]
		if o.usable(s, l) {
			seats[s.ID] = o.places(s, l)
			if o.staged(l) {
				seats[s.ID] -= weight * count(placed[stageDisability], s.ID)
			}
		}
	}
	if search {
		want[stageMain], _ = o.bestStage(apps[stageMain], seats)
	}
	got[stageMain] = o.stageObjective(apps[stageMain], placed[stageMain])
	return want, got
}

func count(ss []string, s string) int {
	n := 0
	for _, x := range ss {
		if x == s {
			n++
		}
	}
	return n
}

func smallOptimalInput(rng *rand.Rand) Input {
	in := randomInput(rng)
	in.Mode = Optimal
	// Exhaustive search must stay small: at most 7 applicants per level.
	var kept []geo.Applicant
	perLevel := map[geo.Level]int{}
	for _, a := range in.Applicants {
		if perLevel[a.Level] < 7 {
			perLevel[a.Level]++
			kept = append(kept, a)
		}
	}
	in.Applicants = kept
	if len(in.Schools) > 5 {
		in.Schools = in.Schools[:5]
		in.Catchments = nil
		for i := range in.Applicants {
			in.Applicants[i].Preferences = nil
		}
	}
	return in
}

func TestOptimalResultsMatchExhaustiveSearchOnRandomInstances(t *testing.T) {
	const seed = 31
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	for iter := 0; iter < 1500; iter++ {
		in := smallOptimalInput(rng)
		r, err := Allocate(context.Background(), in)
		require.NoError(t, err, "instance %d", iter)
		o := newOracle(in)
		require.NoError(t, o.checkFeasible(r), "instance %d", iter)
		for _, l := range r.Levels {
			want, got := o.optimalObjectives(r, l)
			require.Equal(t, want, got, "instance %d level %s", iter, l)
		}
		for _, opt := range r.Optimality {
			require.True(t, opt.Verified)
		}
	}
}

// checkFeasible checks capacity, eligibility and lists, without stability.
func (o *oracle) checkFeasible(r *Result) error {
	used := map[string]int{}
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		if (p.Status == Ineligible) != (r.Policy.ageCheck(a, r.Year) != "") {
			return fmt.Errorf("%s: eligibility", a.ID)
		}
		if p.Status != Assigned {
			continue
		}
		list := o.list(a)
		s := r.Schools[p.School]
		if int(p.ChoiceRank) < 1 || int(p.ChoiceRank) > len(list) || list[p.ChoiceRank-1].id != s.ID {
			return fmt.Errorf("%s: placed at %s with rank %d, list %v", a.ID, s.ID, p.ChoiceRank, list)
		}
		used[s.ID+"/"+a.Level.String()] += o.weight(a)
		if used[s.ID+"/"+a.Level.String()] > o.places(o.schools[s.ID], a.Level) {
			return fmt.Errorf("school %s %s over capacity", s.ID, a.Level)
		}
	}
	return nil
}

func TestTheOptimalAllocationIsNeverWorseThanTheStableOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	for iter := 0; iter < 500; iter++ {
		in := randomInput(rng)
		in.Compare = true
		stable, err := Allocate(context.Background(), in)
		require.NoError(t, err)
		in.Mode = Optimal
		optimal, err := Allocate(context.Background(), in)
		require.NoError(t, err)
		o := newOracle(in)
		for _, l := range stable.Levels {
			_, s := o.objectives(stable, l, false)
			_, opt := o.objectives(optimal, l, false)
			// stages are lexicographic: the disability stage first
			whole := func(o [2]objective) objective { return append(slices.Clone(o[stageDisability]), o[stageMain]...) }
			require.LessOrEqual(t, slices.Compare(whole(opt), whole(s)), 0, "instance %d level %s", iter, l)
		}
		require.Equal(t, stable.Comparison, optimal.Comparison, "both modes report the same comparison")
		for i, c := range stable.Comparison {
			pairs, children := o.envyCount(optimal, stable.Levels[i])
			require.Equal(t, pairs, c.OptimalEnvyPairs, "instance %d", iter)
			require.Equal(t, children, c.OptimalEnvyChildren, "instance %d", iter)
		}
	}
}

// envyCount counts justified envy in a result by brute force.
func (o *oracle) envyCount(r *Result, l geo.Level) (int64, int) {
	admitted := map[string][]*geo.Applicant{}
	for i := range r.Applicants {
		if p := &r.Placements[i]; p.Status == Assigned && r.Applicants[i].Level == l {
			id := r.Schools[p.School].ID
			admitted[id] = append(admitted[id], &r.Applicants[i])
		}
	}
	var pairs int64
	children := 0
	for i := range r.Applicants {
		a, p := &r.Applicants[i], &r.Placements[i]
		if a.Level != l || p.Status == Ineligible {
			continue
		}
		n := 0
		for rank, c := range o.list(a) {
			if p.Status == Assigned && rank+1 >= int(p.ChoiceRank) {
				break
			}
			if o.wouldAdmit(o.schools[c.id], a, admitted[c.id]) {
				n++
			}
		}
		pairs += int64(n)
		if n > 0 {
			children++
		}
	}
	return pairs, children
}
