package seeds

import (
	"fmt"
	"math/rand/v2"

	"github.com/catchment/catchment/geo"
)

// levelWeights splits applicants like a Hanoi round (95k preschool, 155k
// grade 1, 161k grade 6), the preschool part in proportion to the class
// caps (25:30:35) so that about one class per level per kindergarten covers
// it.
var levelWeights = [geo.NumLevels]int64{95 * 25, 95 * 30, 95 * 35, 155 * 90, 161 * 90}

// priorityGroups are the policy's priority groups, highest first, with the
// per-mille share of prioritised applicants in each.
var priorityGroups = []struct {
	name     string
	perMille int
}{
	{"war_martyr_child", 100},
	{"war_invalid_child", 150},
	{"poor_household", 450},
	{"ethnic_minority", 300},
}

// Shares of applicants, in per mille.
const (
	temporaryPerMille   = 200 // temporary residence
	priorityPerMille    = 40
	disabilityPerMille  = 8
	offYearPerMille     = 5   // born a year or two off: ineligible
	olderDisabledPct    = 30  // of children with disabilities: 1-3 years older
	preferencesPerMille = 200 // list 1-3 preferred schools
	primaryPerMille     = 900 // grade 6 naming their primary school
)

// applicant is one generated applicant.
type applicant struct {
	id         uint64 // 48-bit pseudonymous value
	pos        xy
	level      geo.Level
	birthYear  int
	temporary  bool
	disability bool
	priority   int8 // index into priorityGroups, or -1
	nPrefs     uint8
	prefs      [3]int32 // school indices, first choice first
	primary    int32    // school index of the primary school, or -1
}

// levelCounts splits n applicants over the levels by levelWeights with the
// largest-remainder method, so the counts add up to n exactly.
func levelCounts(n int) [geo.NumLevels]int {
	var total int64
	for _, w := range levelWeights {
		total += w
	}
	var out [geo.NumLevels]int
	var rem [geo.NumLevels]int64
	left := n
	for l, w := range levelWeights {
		out[l] = int(int64(n) * w / total)
		rem[l] = int64(n) * w % total
		left -= out[l]
	}
	for ; left > 0; left-- {
		best := 0
		for l := range rem {
			if rem[l] > rem[best] {
				best = l
			}
		}
		out[best]++
		rem[best] = -1
	}
	return out
}

// applicantStreams are the random streams of applicant generation, kept
// apart so that changing one attribute's model leaves the others alone.
type applicantStreams struct{ homes, attrs, prefs *rand.Rand }

// schoolPicker answers the questions preferences and primary schools ask.
type schoolPicker struct {
	schools   []school
	near      [geo.NumLevels]*nearIndex // schools offering each level
	offering  [geo.NumLevels][]int32
	selective [geo.NumLevels][]int32
	buf       []int32
}

// newSchoolPicker indexes schools by the levels they offer.
func newSchoolPicker(schools []school) *schoolPicker {
	sp := &schoolPicker{schools: schools}
	for _, l := range geo.Levels() {
		var pts []xy
		for i := range schools {
			if schools[i].offers(l) {
				sp.offering[l] = append(sp.offering[l], int32(i))
				pts = append(pts, schools[i].pos)
				if schools[i].selective {
					sp.selective[l] = append(sp.selective[l], int32(i))
				}
			}
		}
		sp.near[l] = newNearIndex(pts, sp.offering[l], 2000)
	}
	return sp
}

// makeApplicants generates n applicants, level by level.
func makeApplicants(cfg Config, w *world, sp *schoolPicker, rs applicantStreams, progress Progress) ([]applicant, error) {
	counts := levelCounts(cfg.Applicants)
	homes := newSampler(homeParts(w.remote), w.lo, w.hi, w.habitable)
	keys := idKeys(cfg.Seed)
	out := make([]applicant, 0, cfg.Applicants)
	for _, l := range geo.Levels() {
		for range counts[l] {
			n := len(out)
			if n%10_000 == 0 {
				progress.report("applicants", n, cfg.Applicants)
			}
			p, err := homes.draw(rs.homes)
			if err != nil {
				return nil, fmt.Errorf("seeds: placing applicant %d: %w", n+1, err)
			}
			a := applicant{id: permuteID(uint64(n), keys), pos: p, level: l}
			a.setAttributes(cfg.Year, rs.attrs)
			sp.choose(&a, rs.prefs)
			out = append(out, a)
		}
	}
	progress.report("applicants", len(out), cfg.Applicants)
	return out, nil
}

// setAttributes draws residence, disability, priority and birth year.
func (a *applicant) setAttributes(year int, rng *rand.Rand) {
	a.temporary = rng.IntN(1000) < temporaryPerMille
	a.disability = rng.IntN(1000) < disabilityPerMille
	a.priority = -1
	if rng.IntN(1000) < priorityPerMille {
		r := rng.IntN(1000)
		for g, pg := range priorityGroups {
			if r < pg.perMille {
				a.priority = int8(g)
				break
			}
			r -= pg.perMille
		}
	}
	a.birthYear = year - a.level.EntryAge()
	switch {
	case a.disability && rng.IntN(100) < olderDisabledPct:
		a.birthYear -= 1 + rng.IntN(3)
	case !a.disability && rng.IntN(1000) < offYearPerMille:
		a.birthYear += []int{-2, -1, 1, 2}[rng.IntN(4)]
	}
}

// choose draws the applicant's preferences and, for grade 6, the primary
// school attended.
func (sp *schoolPicker) choose(a *applicant, rng *rand.Rand) {
	a.primary = -1
	if rng.IntN(1000) < preferencesPerMille {
		n := 1 + []int{0, 0, 0, 0, 0, 1, 1, 1, 2, 2}[rng.IntN(10)]
		for range n {
			sp.addPreference(a, rng)
		}
	}
	if a.level == geo.Grade6 && rng.IntN(1000) < primaryPerMille {
		sp.buf = sp.near[geo.Grade1].nearest(a.pos, 3, sp.buf[:0])
		pick := []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 2}[rng.IntN(10)]
		a.primary = sp.buf[min(pick, len(sp.buf)-1)]
	}
}

// addPreference appends one school to a's preferences: mostly one of the
// six nearest offering its level, sometimes one more than 4.5 km away,
// sometimes a selective school. A pick already listed is dropped.
func (sp *schoolPicker) addPreference(a *applicant, rng *rand.Rand) {
	var pick int32 = -1
	switch r := rng.IntN(100); {
	case r < 85:
		pick = sp.nearPick(a, rng)
	case r < 93:
		pick = sp.farPick(a, rng)
	default:
		if sel := sp.selective[a.level]; len(sel) > 0 {
			pick = sel[rng.IntN(len(sel))]
		} else {
			pick = sp.nearPick(a, rng)
		}
	}
	if pick < 0 {
		return
	}
	for _, q := range a.prefs[:a.nPrefs] {
		if q == pick {
			return
		}
	}
	a.prefs[a.nPrefs] = pick
	a.nPrefs++
}

// nearPick returns one of the six schools nearest a offering its level.
func (sp *schoolPicker) nearPick(a *applicant, rng *rand.Rand) int32 {
	sp.buf = sp.near[a.level].nearest(a.pos, 6, sp.buf[:0])
	if len(sp.buf) == 0 {
		return -1
	}
	return sp.buf[rng.IntN(len(sp.buf))]
}

// farPick returns a random school offering a's level more than 4.5 km from
// home, or -1 if a few tries find none.
func (sp *schoolPicker) farPick(a *applicant, rng *rand.Rand) int32 {
	const far = 4500
	all := sp.offering[a.level]
	if len(all) == 0 {
		return -1
	}
	for range 20 {
		i := all[rng.IntN(len(all))]
		if dist2(a.pos, sp.schools[i].pos) > far*far {
			return i
		}
	}
	return -1
}
