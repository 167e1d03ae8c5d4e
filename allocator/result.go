package allocator

import (
	"github.com/catchment/catchment/geo"
)

// Mode selects the allocation method.
type Mode string

// The modes of DESIGN.md.
const (
	Stable  Mode = "stable"  // applicant-proposing deferred acceptance
	Optimal Mode = "optimal" // exact min-cost flow: most placed, then least total distance
)

// Status is the outcome for one applicant.
type Status uint8

// The outcomes of the output files.
const (
	Assigned   Status = iota // placed at a school
	Unassigned               // eligible, but no seat within the distance cap
	Ineligible               // not admissible this year (see Reason)
)

// String returns "assigned", "unassigned" or "ineligible".
func (s Status) String() string {
	return [...]string{"assigned", "unassigned", "ineligible"}[s]
}

// Placement is the result for one applicant.
type Placement struct {
	Status     Status
	School     int32  // index into Result.Schools, or -1
	DistM      int32  // metres to the school, 0 when not assigned
	ChoiceRank int32  // 1-based rank of the school on the applicant's list, 0 when not assigned
	Lottery    uint64 // the applicant's lottery number
	Reason     string // short, one line: why, for families and officials
	// Listed is, for an unassigned applicant, how many schools within the
	// cap were on its list (all of them full); 0 means none within the cap.
	Listed int32
}

// Offer is one school's intake for one level.
type Offer struct {
	School     int32 // index into Result.Schools
	Level      geo.Level
	Seats      int // intake places (seats, or classes x the level's cap)
	Assigned   int // children admitted
	PlacesUsed int // places taken: a child with a disability may take more than one
	// Cutoff is the applicant (index into Result.Applicants) admitted last
	// under the school's priority order, or -1 when nobody was admitted.
	Cutoff int32
	// CutoffDistM is the cutoff applicant's distance to this school.
	CutoffDistM int32
}

// Classes returns how many classes the admitted children form at the
// level's class cap.
func (o *Offer) Classes(p *Policy) int {
	c := p.ClassCaps[o.Level]
	return (o.PlacesUsed + c - 1) / c
}

// Result is a complete allocation. Schools and Applicants are the inputs
// sorted by id (byte order); Placements follows Applicants; Offers is
// sorted by (school id, level).
type Result struct {
	Year       int
	Seed       string
	Mode       Mode
	Policy     Policy
	Levels     []geo.Level
	Schools    []geo.School
	Applicants []geo.Applicant
	Placements []Placement
	Offers     []Offer
	// Excluded lists, by index into Schools, the selective schools, which
	// take no part in residence allocation.
	Excluded []int32
	// Comparison is the price of stability per level, when the input asked
	// for it.
	Comparison []Comparison
	// Optimality holds the certificates of the optimal allocation (this
	// result's, or the comparison's), per level.
	Optimality []Optimality

	markets [geo.NumLevels]*market // kept for explanations
}
