package seeds

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/catchment/catchment/geo"
)

// classCap is the legal class size per level (pupils per class), the
// policy's defaults.
var classCap = [geo.NumLevels]int{25, 30, 35, 35, 45}

// Shares of the school model.
const (
	combinedPerMille  = 30  // of SchoolsPerLevel: primary and lower secondary in one
	selectivePerMille = 20  // of all schools, drawn from primary and secondary ones
	inclusivePercent  = 15  // of all schools: accept children with disabilities with support
	byClassesPercent  = 10  // of all schools: publish classes rather than seats
	seatRatioMin      = 990 // non-selective seats per 1,000 applicants of a level: 990 ...
	seatRatioSpread   = 51  // ... to 1,040, drawn per level
)

// school is one generated school.
type school struct {
	id, name  string
	kind      schoolKind
	pos       xy
	ward      int
	size      int64 // relative size, 40-200, drives its share of classes
	classes   [geo.NumLevels]int
	byClasses bool // publish classes instead of seats
	selective bool
	inclusive bool
	feeder    []int32 // school indices of feeder primary schools (grade 6)
}

// offers reports whether the school admits applicants of level l.
func (s *school) offers(l geo.Level) bool {
	switch s.kind {
	case kindergarten:
		return l <= geo.Preschool5
	case primary:
		return l == geo.Grade1
	case secondary:
		return l == geo.Grade6
	}
	return l == geo.Grade1 || l == geo.Grade6
}

// schoolKinds returns the kind of every school, in id order: kindergartens,
// primary, combined, then lower-secondary schools.
func schoolKinds(perLevel int) []schoolKind {
	both := perLevel * combinedPerMille / 1000
	counts := [numKinds]int{perLevel, perLevel - both, both, perLevel - both}
	var out []schoolKind
	for k, n := range counts {
		for range n {
			out = append(out, schoolKind(k))
		}
	}
	return out
}

// placeSchools draws a position for every school and names it.
func placeSchools(w *world, kinds []schoolKind, rng *rand.Rand) ([]school, error) {
	smp := newSampler(schoolParts(), w.lo, w.hi, func(p xy) bool {
		return !w.remoteAt(p) && w.habitable(p)
	})
	width := max(4, len(strconv.Itoa(len(kinds))))
	perWard := make([][numKinds]int, len(w.wards))
	out := make([]school, len(kinds))
	for i, k := range kinds {
		p, err := smp.draw(rng)
		if err != nil {
			return nil, fmt.Errorf("seeds: placing school %d: %w", i+1, err)
		}
		wd := w.wardOf(p)
		perWard[wd][k]++
		out[i] = school{
			id:   fmt.Sprintf("S%0*d", width, i+1),
			name: schoolName(k, w.wards[wd].place, perWard[wd][k]),
			kind: k, pos: p, ward: wd,
			size: 40 + rng.Int64N(81) + rng.Int64N(81),
		}
	}
	return out, nil
}

// schoolName returns e.g. "Trường Tiểu học An Hòa 2" for the second primary
// school of ward "An Hòa".
func schoolName(k schoolKind, place string, nth int) string {
	if nth == 1 {
		return kindPrefix[k] + " " + place
	}
	return kindPrefix[k] + " " + place + " " + strconv.Itoa(nth)
}

// markSchools sets the selective, inclusive and published-as-classes flags.
func markSchools(schools []school, rng *rand.Rand) {
	var candidates []int
	for i := range schools {
		if schools[i].kind != kindergarten {
			candidates = append(candidates, i)
		}
		schools[i].inclusive = rng.IntN(100) < inclusivePercent
		schools[i].byClasses = rng.IntN(100) < byClassesPercent
	}
	n := min(len(candidates), int(divRound(int64(len(schools))*selectivePerMille, 1000)))
	for _, j := range rng.Perm(len(candidates))[:n] {
		schools[candidates[j]].selective = true
	}
}

// allocateClasses sets every school's classes of level l. A selective
// school gets 1-3 classes, outside the residence allocation. Every other
// school offering l gets at least one class and a share of the rest by
// school size, so that those schools together have about 99-104% as many
// seats as the level has applicants (more when there are so few applicants
// that one class per school already exceeds that).
func allocateClasses(schools []school, l geo.Level, applicants int, rng *rand.Rand) {
	var open []int
	for i := range schools {
		switch s := &schools[i]; {
		case !s.offers(l):
		case s.selective:
			s.classes[l] = 1 + rng.IntN(3)
		default:
			open = append(open, i)
		}
	}
	ratio := int64(seatRatioMin + rng.IntN(seatRatioSpread))
	target := max(int64(len(open)), divRound(int64(applicants)*ratio, 1000*int64(classCap[l])))
	for k, extra := range shareBySize(schools, open, target-int64(len(open))) {
		schools[open[k]].classes[l] = 1 + int(extra)
	}
}

// shareBySize splits n classes over the schools idx in proportion to their
// size with the largest-remainder method (ties to the earlier school).
func shareBySize(schools []school, idx []int, n int64) []int64 {
	var total int64
	for _, i := range idx {
		total += schools[i].size
	}
	out := make([]int64, len(idx))
	rem := make([]int64, len(idx))
	left := n
	for k, i := range idx {
		out[k] = n * schools[i].size / total
		rem[k] = n * schools[i].size % total
		left -= out[k]
	}
	order := make([]int, len(idx))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(a, b int) int { return int(sign(rem[b] - rem[a])) })
	for _, k := range order[:left] {
		out[k]++
	}
	return out
}

// sign returns -1, 0 or +1.
func sign(v int64) int64 {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

// linkFeeders gives every school offering grade 6 its 1-4 nearest schools
// offering grade 1 as feeders (a combined school feeds itself first).
func linkFeeders(schools []school, primaries *nearIndex, rng *rand.Rand) {
	for i := range schools {
		if schools[i].offers(geo.Grade6) {
			schools[i].feeder = primaries.nearest(schools[i].pos, 1+rng.IntN(4), nil)
		}
	}
}

// seats returns the school's intake seats at level l.
func (s *school) seats(l geo.Level) int { return s.classes[l] * classCap[l] }
