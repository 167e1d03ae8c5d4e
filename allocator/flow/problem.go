package flow

import (
	"errors"
	"fmt"
	"runtime"
)

// Limits. Solve and Verify reject a problem beyond them with ErrLimit before doing any work; within
// them every intermediate value fits in an int64 (see the package documentation, "Bounds").
const (
	// MaxCost is the largest arc cost accepted, in metres (about 1,049 km).
	MaxCost = 1 << 20
	// MaxTiers is the number of tiers accepted: tier values 0..MaxTiers-1.
	MaxTiers = 128
	// MaxApplicants is the largest Problem.Applicants accepted.
	MaxApplicants = 1 << 27
	// MaxSchools is the largest len(Problem.Capacity) accepted.
	MaxSchools = 1<<16 - 1
	// MaxRounds is the largest Problem.MaxRounds accepted.
	MaxRounds = 256
	// DefaultMaxRounds is the number of pricing rounds Solve allows when Problem.MaxRounds is 0.
	DefaultMaxRounds = 64
)

// priceLimit bounds every component of a seat price, in metres. Solve stops with ErrLimit if a price
// would leave [-priceLimit, priceLimit] (the bounds argument says it cannot within the limits above);
// Verify rejects a certificate outside it, so its own sums cannot overflow either.
const priceLimit = 1 << 60

// Sentinel errors. Every error returned by Solve or Verify wraps exactly one of them, or the context's
// error when ctx is cancelled or its deadline passes.
var (
	// ErrInvalid reports malformed input: a negative capacity, an arc to a school that does not exist, a
	// negative cost, a duplicate arc, an Initial arc missing from All, a Tier slice of the wrong length,
	// or a missing callback. The message names the applicant and arc.
	ErrInvalid = errors.New("flow: invalid problem")
	// ErrLimit reports a problem beyond the documented limits (size, cost, tiers, pricing rounds).
	ErrLimit = errors.New("flow: problem exceeds limits")
	// ErrCertificate reports a solution whose optimality certificate does not check out, or a solution
	// that does not fit its problem (wrong length, unknown school, totals that do not add up).
	ErrCertificate = errors.New("flow: certificate check failed")
)

// Arc is an eligible (applicant, school) pair seen from the applicant's side.
type Arc struct {
	School int32 // index into Problem.Capacity
	Cost   int32 // metres, 0..MaxCost
}

// Problem is one allocation: Applicants unit-demand applicants, len(Capacity) schools, and the eligible
// arcs between them, given by callbacks so that the solver never holds all of them at once.
type Problem struct {
	// Applicants is the number of applicants, indexed 0..Applicants-1.
	Applicants int
	// Capacity holds the seats of each school, >= 0. A school with 0 seats may appear in arcs; it is
	// never used.
	Capacity []int32
	// Tier holds each applicant's tier, 0 the highest, < MaxTiers; nil means every applicant is tier 0.
	Tier []uint8
	// Initial appends a starting subset of applicant i's arcs to dst and returns it, e.g. its k nearest
	// eligible schools (k = 8..16 works well). Every Initial arc must also be returned by All with the
	// same cost. Called once per applicant, in index order, from one goroutine.
	Initial func(i int, dst []Arc) []Arc
	// All appends every eligible arc of applicant i to dst and returns it, at most one per school. Used to
	// price out arcs not yet considered and for the certificate. Calls for different i may run
	// concurrently; calls for the same i must return the same arcs.
	All func(i int, dst []Arc) []Arc
	// Workers is the number of goroutines that call All; 0 means GOMAXPROCS. Results do not depend on it.
	Workers int
	// MaxRounds bounds the pricing rounds, 0 means DefaultMaxRounds, at most MaxRounds. Solve returns
	// ErrLimit if the last round still finds arcs to add.
	MaxRounds int
}

// Solution is an optimal assignment with its certificate.
type Solution struct {
	// School holds each applicant's school index, or -1 for unassigned.
	School []int32
	// Assigned holds the number of assigned applicants of each tier; len = Certificate.Tiers.
	Assigned []int
	// Cost holds the sum of arc costs of assigned applicants of each tier, in metres.
	Cost []int64
	// Certificate holds the dual prices that prove optimality; see Verify.
	Certificate Certificate
	// Stats describes the work Solve did; it is not part of the certificate.
	Stats Stats
}

// Certificate is a dual solution: one seat price per school, a vector with one component per tier.
// Price[j*Tiers+t] is component t of school j's price, in metres. An applicant of tier t sees school j
// through the vector Price[j] + (cost - Bonus)·e_t, where e_t is the t-th unit vector; vectors compare
// lexicographically, component 0 first.
type Certificate struct {
	// Verified is true once Verify accepted the solution.
	Verified bool
	// PairsChecked is the number of arcs Verify checked: every arc returned by All.
	PairsChecked int64
	// Rounds is the number of pricing rounds Solve ran (each one a pass over All).
	Rounds int
	// Tiers is the length of each price vector: 1 + the largest tier in the problem.
	Tiers int
	// Bonus is the value of placing an applicant, in metres: MaxCost·(len(Capacity)+1) + 1, more than the
	// cost change of any exchange of seats, so one more placement always outweighs any saving in
	// distance within a tier.
	Bonus int64
	// Price holds the seat prices, len(Capacity)·Tiers values; see the type documentation.
	Price []int64
}

// Stats counts the work of one Solve call.
type Stats struct {
	Phases        int   // shortest-path computations on the school graph
	Augmentations int   // unit augmenting paths
	Moves         int64 // applicants moved along augmenting paths
	InitialArcs   int64 // arcs from Initial kept in the restricted problem
	AddedArcs     int64 // arcs added by pricing
	Rebuilds      int   // rebuilds of the school graph
}

// validate checks everything about p that does not need the callbacks.
func validate(p *Problem) error {
	if p == nil {
		return fmt.Errorf("%w: nil problem", ErrInvalid)
	}
	if p.Applicants < 0 {
		return fmt.Errorf("%w: %d applicants", ErrInvalid, p.Applicants)
	}
	if p.Applicants > MaxApplicants {
		return fmt.Errorf("%w: %d applicants, at most %d", ErrLimit, p.Applicants, MaxApplicants)
	}
	if len(p.Capacity) > MaxSchools {
		return fmt.Errorf("%w: %d schools, at most %d", ErrLimit, len(p.Capacity), MaxSchools)
	}
	for j, c := range p.Capacity {
		if c < 0 {
			return fmt.Errorf("%w: school %d: capacity %d", ErrInvalid, j, c)
		}
	}
	if p.Tier != nil && len(p.Tier) != p.Applicants {
		return fmt.Errorf("%w: %d tiers for %d applicants", ErrInvalid, len(p.Tier), p.Applicants)
	}
	for i, t := range p.Tier {
		if t >= MaxTiers {
			return fmt.Errorf("%w: applicant %d: tier %d, at most %d", ErrLimit, i, t, MaxTiers-1)
		}
	}
	if p.Initial == nil || p.All == nil {
		return fmt.Errorf("%w: nil Initial or All", ErrInvalid)
	}
	if p.Workers < 0 {
		return fmt.Errorf("%w: %d workers", ErrInvalid, p.Workers)
	}
	if p.MaxRounds < 0 || p.MaxRounds > MaxRounds {
		return fmt.Errorf("%w: MaxRounds %d, want 0..%d", ErrLimit, p.MaxRounds, MaxRounds)
	}
	return nil
}

// tiers returns the length of the cost vectors of p: 1 + its largest tier.
func tiers(p *Problem) int {
	top := uint8(0)
	for _, t := range p.Tier {
		top = max(top, t)
	}
	return int(top) + 1
}

// tierOf returns applicant i's tier.
func tierOf(p *Problem, i int) int {
	if p.Tier == nil {
		return 0
	}
	return int(p.Tier[i])
}

// bonusFor returns the placement bonus B for m schools: MaxCost·(m+1) + 1 <= 2^36 + 1. It exceeds the
// cost change of any simple exchange (at most m+1 moves of at most MaxCost each), which is what makes
// one more placement outweigh any saving in distance (package documentation, "Tiers").
func bonusFor(m int) int64 {
	return int64(MaxCost)*int64(m+1) + 1
}

// workers returns the number of goroutines to use for passes over the applicants.
func workers(p *Problem) int {
	if p.Workers > 0 {
		return p.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// arcChecker validates the arcs of one applicant. It is not safe for concurrent use; give each
// goroutine its own.
type arcChecker struct {
	seen []int32 // per school: 1 + the applicant that last listed it
	cost []int32 // per school: its cost in that listing
}

func newArcChecker(schools int) *arcChecker {
	return &arcChecker{seen: make([]int32, schools), cost: make([]int32, schools)}
}

// check validates arcs of applicant i (from the named callback) and records them, so that has can
// answer for this applicant until the next call.
func (c *arcChecker) check(i int, from string, arcs []Arc) error {
	stamp := int32(i + 1)
	for k, a := range arcs {
		switch {
		case a.School < 0 || int(a.School) >= len(c.seen):
			return fmt.Errorf("%w: applicant %d: %s arc %d: school %d out of range [0,%d)",
				ErrInvalid, i, from, k, a.School, len(c.seen))
		case a.Cost < 0:
			return fmt.Errorf("%w: applicant %d: %s arc %d: cost %d", ErrInvalid, i, from, k, a.Cost)
		case a.Cost > MaxCost:
			return fmt.Errorf("%w: applicant %d: %s arc %d: cost %d, at most %d",
				ErrLimit, i, from, k, a.Cost, MaxCost)
		case c.seen[a.School] == stamp:
			return fmt.Errorf("%w: applicant %d: %s arc %d: school %d listed twice",
				ErrInvalid, i, from, k, a.School)
		}
		c.seen[a.School] = stamp
		c.cost[a.School] = a.Cost
	}
	return nil
}

// has reports whether the last checked applicant i listed school j at cost.
func (c *arcChecker) has(i int, j, cost int32) bool {
	return c.seen[j] == int32(i+1) && c.cost[j] == cost
}
